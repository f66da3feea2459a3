package org.tpmssh.stack.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.duplication.Duplication;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.transport.Tcti;

/**
 * What crosses the transport during an import: a recording of every command frame is searched
 * for the private scalar (or prime), the authValue and the seed-derived plaintext. A tampered
 * duplicate must be refused by the TPM, which shows the TPM checks the outer HMAC we compute.
 */
class ImportWireTest {
    Swtpm swtpm;

    @BeforeEach
    void start() throws Exception {
        swtpm = Swtpm.start();
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            DictionaryAttack.relaxForOwnSimulator(tpm);
        }
    }

    @AfterEach
    void stop() {
        swtpm.close();
    }

    static KeyPair pair(String type) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("rsa".equals(type) ? "RSA" : "EC");
        if ("rsa".equals(type)) {
            g.initialize(2048);
        } else {
            g.initialize(new ECGenParameterSpec("secp384r1"));
        }
        return g.generateKeyPair();
    }

    @ParameterizedTest(name = "[swtpm | {0} key | {0} SRK]")
    @ValueSource(strings = {"ecc", "rsa"})
    void neitherThePrivateKeyNorItsAuthValueCrossesTheTransport(String type) throws Exception {
        KeyPair pair = pair(type);
        byte[] secret = "rsa".equals(type)
                ? PrivateKeyFiles.unsigned(((RSAPrivateCrtKey) pair.getPrivate()).getPrimeP(), 128)
                : PrivateKeyFiles.unsigned(((ECPrivateKey) pair.getPrivate()).getS(), 48);
        byte[] auth = PinAuth.authValue("8086".toCharArray());
        TpmSshKeyTest.Recording wire = new TpmSshKeyTest.Recording(Tcti.parse(swtpm.tcti()).open());
        try (KeyRing ring = KeyRing.open(new Tpm(wire), "rsa".equals(type) ? Templates.srkRsa() : Templates.srkEcc())) {
            ImportedKey k = KeyImport.importKey(ring, pair, auth, false, "wire");
            k.key().close();
        }
        assertThat(wire.sent).hasSizeGreaterThan(4);
        for (byte[] frame : wire.sent) {
            assertThat(TpmSshKeyTest.contains(frame, secret)).as("private key bytes on the wire").isFalse();
            assertThat(TpmSshKeyTest.contains(frame, auth)).as("authValue on the wire").isFalse();
        }
    }

    @ParameterizedTest(name = "[swtpm | tampered duplicate | {0} SRK]")
    @ValueSource(strings = {"ecc", "rsa"})
    void aTamperedDuplicateIsRefusedByTheTpm(String srk) throws Exception {
        try (KeyRing ring = KeyRing.open(new Tpm(Tcti.parse(swtpm.tcti()).open()),
                "rsa".equals(srk) ? Templates.srkRsa() : Templates.srkEcc())) {
            KeyImport.Wrapped w = KeyImport.wrap(pair("ecc"), ring.srk().publicArea(), new byte[0], true,
                    new SecureRandom());
            byte[] dup = w.duplication().duplicate();
            dup[dup.length - 1] ^= 1; // one bit of the encrypted sensitive area
            assertThatThrownBy(() -> KeyImport.importWrapped(ring, w.publicArea(),
                    new Duplication(dup, w.duplication().inSymSeed()), new byte[0], "tampered", null))
                    .isInstanceOf(TpmException.class)
                    .hasMessageContaining("TPM_RC_INTEGRITY");
            assertThat(ring.cache().loadedCount()).isEqualTo(1); // only the SRK
        }
    }

    /** Which attributes TPM2_Import accepts, asked of the real TPM: the rule behind IMPORTED_ATTRIBUTES. */
    @org.junit.jupiter.api.Test
    void theTpmRefusesFixedTpmAndFixedParentOnImportButNotSensitiveDataOrigin() throws Exception {
        try (KeyRing ring = KeyRing.open(new Tpm(Tcti.parse(swtpm.tcti()).open()), Templates.srkEcc())) {
            KeyPair pair = pair("ecc");
            KeyImport.Wrapped base = KeyImport.wrap(pair, ring.srk().publicArea(), new byte[0], true, new SecureRandom());
            java.util.Map<String, String> outcome = new java.util.LinkedHashMap<>();
            for (int extra : new int[] {org.tpmssh.tpm.structures.ObjectAttributes.FIXED_TPM,
                    org.tpmssh.tpm.structures.ObjectAttributes.FIXED_PARENT,
                    org.tpmssh.tpm.structures.ObjectAttributes.SENSITIVE_DATA_ORIGIN}) {
                org.tpmssh.tpm.structures.TpmtPublic p = base.publicArea();
                org.tpmssh.tpm.structures.TpmtPublic pub = new org.tpmssh.tpm.structures.TpmtPublic(p.type(),
                        p.nameAlg(), p.attributes() | extra, p.authPolicy(), p.parms(), p.unique());
                byte[] d = PrivateKeyFiles.unsigned(((ECPrivateKey) pair.getPrivate()).getS(), 48);
                org.tpmssh.tpm.duplication.Sensitive sens = org.tpmssh.tpm.duplication.Sensitive.ecc(new byte[0],
                        new byte[32], d);
                Duplication dup = Duplication.wrap(ring.srk().publicArea(), pub, sens, new SecureRandom());
                sens.wipe();
                try {
                    KeyImport.importWrapped(ring, pub, dup, new byte[0], "attr", null).key().close();
                    outcome.put(Integer.toHexString(extra), "accepted");
                } catch (TpmException e) {
                    outcome.put(Integer.toHexString(extra), e.getMessage().contains("TPM_RC_ATTRIBUTES")
                            ? "ATTRIBUTES" : e.getMessage());
                }
            }
            assertThat(outcome).containsExactly(java.util.Map.entry("2", "ATTRIBUTES"),
                    java.util.Map.entry("10", "ATTRIBUTES"), java.util.Map.entry("20", "accepted"));
        }
    }
}
