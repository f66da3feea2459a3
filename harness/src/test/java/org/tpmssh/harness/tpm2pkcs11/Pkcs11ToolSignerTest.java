package org.tpmssh.harness.tpm2pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tpmssh.axes.Backend;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.harness.backends.Backends;
import org.tpmssh.harness.backends.TpmBackend;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;

/**
 * tpm2-pkcs11 keys signing outside ssh, through pkcs11-tool, on the run's TPM behind tpm2-abrmd: each signature is
 * checked by the JDK against the public key ssh-keygen -D listed, and a wrong PIN fails with the module's code.
 */
class Pkcs11ToolSignerTest {
    private static final byte[] DATA = "session id and userauth request".getBytes(StandardCharsets.UTF_8);
    private static TpmBackend backend;
    private static final Tpm2Pkcs11Stack STACK = new Tpm2Pkcs11Stack("swtpm-abrmd|tpm2-pkcs11");

    @BeforeAll
    static void start() throws Exception {
        Optional<String> missing = Backends.unavailable(Backend.SWTPM_ABRMD, Backends.Config.none());
        assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
        assumeTrue(SearchPath.system().find("pkcs11-tool").isPresent(), "pkcs11-tool is not installed (opensc)");
        try {
            Tpm2Pkcs11Installation.find();
        } catch (Tpm2Pkcs11Exception e) {
            assumeTrue(false, "tpm2-pkcs11 is not installed here: " + e.getMessage());
        }
        backend = Backends.start(Backend.SWTPM_ABRMD, Backends.Config.none());
    }

    @AfterAll
    static void stop() throws Exception {
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void eccAndRsaKeysOfOneTokenSignWhatTheJdkVerifies() throws Exception {
        // An ECC key first, then an RSA one in the same token: found by CKA_ID, not by label.
        try (StackAdapter.Key ecc = STACK.createKey(backend, KeyType.ECC_P256, false, "sign-ecc");
                StackAdapter.Key rsa = STACK.createKey(backend, KeyType.RSA_2048, false, "sign-rsa")) {
            assertVerifies(ecc, ecc.sign(DATA, 0, StackAdapter.PIN.toCharArray()), "SHA256withECDSA");
            assertVerifies(rsa, rsa.sign(DATA, AgentKey.SSH_AGENT_RSA_SHA2_256, StackAdapter.PIN.toCharArray()),
                    "SHA256withRSA");
            assertVerifies(rsa, rsa.sign(DATA, AgentKey.SSH_AGENT_RSA_SHA2_512, StackAdapter.PIN.toCharArray()),
                    "SHA512withRSA");
            assertThatThrownBy(() -> ecc.sign(DATA, 0, "000000".toCharArray()))
                    .hasMessageContaining("CKR_PIN_INCORRECT")
                    .hasMessageNotContaining(StackAdapter.PIN);
        } finally {
            org.tpmssh.tpm.commands.DictionaryAttack.relaxForOwnSimulator(backend.tpm());
        }
    }

    @Test
    void aPinlessKeySignsWithoutALogin() throws Exception {
        try (StackAdapter.Key key = STACK.createKey(backend, KeyType.ECC_P256, true, "sign-pinless")) {
            assertVerifies(key, key.sign(DATA, 0, null), "SHA256withECDSA");
        }
    }

    private static void assertVerifies(StackAdapter.Key key, byte[] sshSignature, String jca) throws Exception {
        PublicKey pub = SshPublicKeys.parse(key.publicKeyBlob());
        SshSignatures.Parsed parsed = SshSignatures.parse(sshSignature);
        byte[] raw = jca.endsWith("ECDSA") ? SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(SshCurve.NISTP256,
                sshSignature)) : parsed.signature();
        Signature verifier = Signature.getInstance(jca);
        verifier.initVerify(pub);
        verifier.update(DATA);
        assertThat(verifier.verify(raw)).as("%s signature of %s", parsed.algorithm(), key.authorizedKeysLine())
                .isTrue();
    }
}
