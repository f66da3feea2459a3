package org.tpmssh.stack.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TpmTransport;
import org.tpmssh.tpm.transport.TransportException;

/**
 * TPM-held SSH identities on a real swtpm. Each SSH signature blob is unpacked and checked by
 * the JDK against the public key the agent would advertise, never by our own code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TpmSshKeyTest {
    private static final char[] PIN = "90210-tpmssh".toCharArray();
    Swtpm swtpm;
    Recording wire;
    KeyRing ring;

    /** Keeps a copy of every command sent, to look for secrets in it. */
    static final class Recording implements TpmTransport {
        final TpmTransport inner;
        final List<byte[]> sent = new ArrayList<>();

        Recording(TpmTransport inner) {
            this.inner = inner;
        }

        @Override
        public synchronized byte[] transmit(byte[] command) throws TransportException {
            sent.add(command.clone());
            return inner.transmit(command);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @BeforeAll
    void start() throws Exception {
        swtpm = Swtpm.start();
        wire = new Recording(Tcti.parse(swtpm.tcti()).open());
        Tpm tpm = new Tpm(wire);
        DictionaryAttack.relaxForOwnSimulator(tpm);
        ring = KeyRing.open(tpm);
    }

    @AfterAll
    void stop() {
        if (ring != null) {
            ring.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"ECC_P256", "ECC_P384", "ECC_P521", "RSA_2048", "RSA_3072"})
    void signaturesFromTheTpmVerifyAgainstTheAdvertisedKey(KeyType type) throws Exception {
        try (TpmSshKey key = TpmSshKeys.create(ring, type, PIN, "test " + type.label())) {
            byte[] data = ("session data for " + type).getBytes(StandardCharsets.UTF_8);
            int flags = AgentKey.SSH_AGENT_RSA_SHA2_512;
            byte[] blob = key.sign(data, flags);
            PublicKey advertised = SshPublicKeys.parse(key.publicKeyBlob());
            SshSignatures.Parsed parsed = SshSignatures.parse(blob);
            java.security.Signature v;
            byte[] sig;
            if (type == KeyType.RSA_2048 || type == KeyType.RSA_3072) {
                assertThat(parsed.algorithm()).isEqualTo("rsa-sha2-512");
                v = java.security.Signature.getInstance("SHA512withRSA");
                sig = parsed.signature();
            } else {
                SshCurve curve = SshCurve.ofKeyType(parsed.algorithm()).orElseThrow();
                v = java.security.Signature.getInstance(curve.jcaSignatureAlgorithm());
                sig = SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(curve, blob));
            }
            v.initVerify(advertised);
            v.update(data);
            assertThat(v.verify(sig)).isTrue();
            assertThat(key.authorizedKeysLine()).startsWith(SshPublicKeys.keyType(key.publicKeyBlob()) + " ");
        }
    }

    @Test
    void anRsaKeyAskedWithoutFlagsSignsSshRsaForTheAgentToAllowOrRefuse() throws Exception {
        try (TpmSshKey key = TpmSshKeys.create(ring, KeyType.RSA_2048, PIN, "rsa")) {
            byte[] data = "old server".getBytes(StandardCharsets.UTF_8);
            SshSignatures.Parsed parsed = SshSignatures.parse(key.sign(data, 0));
            assertThat(parsed.algorithm()).isEqualTo("ssh-rsa");
            java.security.Signature v = java.security.Signature.getInstance("SHA1withRSA");
            v.initVerify(SshPublicKeys.parse(key.publicKeyBlob()));
            v.update(data);
            assertThat(v.verify(parsed.signature())).isTrue();
        }
    }

    @Test
    void aClosedKeyRefusesWithoutAskingTheTpm() throws Exception {
        TpmSshKey key = TpmSshKeys.create(ring, KeyType.ECC_P256, PIN, "closed");
        key.close();
        int before;
        synchronized (wire) {
            before = wire.sent.size();
        }
        assertThatThrownBy(() -> key.sign(new byte[] {1}, 0)).isInstanceOf(AgentSignException.class)
                .hasMessageContaining("unlock it again");
        synchronized (wire) {
            assertThat(wire.sent).hasSize(before);
        }
    }

    @Test
    void aWrongPinGivesOneClearErrorWithoutThePin() throws Exception {
        TpmSshKey right = TpmSshKeys.create(ring, KeyType.ECC_P256, PIN, "pin-test");
        char[] wrongPin = "11111-wrong-pin".toCharArray();
        byte[] wrongAuth = PinAuth.authValue(wrongPin);
        try (TpmSshKey wrong = TpmSshKeys.of(ring, right.object(), wrongAuth, "pin-test")) {
            assertThatThrownBy(() -> wrong.sign(new byte[] {1, 2, 3}, 0))
                    .isInstanceOf(AgentSignException.class)
                    .hasMessage("the PIN for key \"pin-test\" is incorrect; each wrong PIN counts toward the TPM's"
                            + " dictionary-attack lockout")
                    .hasMessageNotContaining(new String(wrongPin));
        } finally {
            right.close();
        }
    }

    @Test
    void neitherThePinNorItsAuthValueCrossesTheTransport() throws Exception {
        byte[] pinBytes = new String(PIN).getBytes(StandardCharsets.UTF_8);
        byte[] auth = PinAuth.authValue(PIN);
        synchronized (wire) {
            wire.sent.clear();
        }
        try (TpmSshKey key = TpmSshKeys.create(ring, KeyType.ECC_P256, PIN, "wire")) {
            key.sign("x".getBytes(StandardCharsets.UTF_8), 0);
        }
        synchronized (wire) {
            assertThat(wire.sent).hasSizeGreaterThanOrEqualTo(3);
            for (byte[] frame : wire.sent) {
                assertThat(contains(frame, pinBytes)).isFalse();
                assertThat(contains(frame, auth)).isFalse();
            }
        }
    }

    @Test
    void aPinlessKeySignsWithoutAnyPin() throws Exception {
        try (TpmSshKey key = TpmSshKeys.create(ring, KeyType.ECC_P256, new char[0], "pinless")) {
            byte[] blob = key.sign("no prompt".getBytes(StandardCharsets.UTF_8), 0);
            assertThat(SshSignatures.parse(blob).algorithm()).isEqualTo("ecdsa-sha2-nistp256");
        }
    }

    @Test
    void pinDerivationIsStableAndSeparatesPins() {
        assertThat(PinAuth.authValue("1234".toCharArray())).hasSize(32)
                .isEqualTo(PinAuth.authValue("1234".toCharArray()))
                .isNotEqualTo(PinAuth.authValue("1235".toCharArray()));
        assertThat(PinAuth.authValue(new char[0])).isEmpty();
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
