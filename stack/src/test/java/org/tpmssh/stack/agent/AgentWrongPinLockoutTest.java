package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_SIGN_REQUEST;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_FAILURE;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_SIGN_RESPONSE;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.stack.identities.TokenKeys;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;
import org.tpmssh.stack.store.StrictDaToken;

/**
 * Issue 10 item 2 on a real swtpm whose DA protection allows 10 failures and never relaxes: an agent whose PIN
 * source keeps giving the same wrong PIN spends one dictionary-attack try on it, however many signatures are asked
 * for, and says so once in its log. The TPM's own TPM_PT_LOCKOUT_COUNTER is the judge.
 */
class AgentWrongPinLockoutTest {
    private static final int MAX_TRIES = 10;
    private static final int REQUESTS = 15;
    private static final String WRONG = "wrong-pin-0000";
    private static final String OTHER_WRONG = "wrong-pin-1111";

    @TempDir
    Path dir;

    private StrictDaToken tpm;
    private AgentKey key;
    private AgentLogCapture log;

    @BeforeEach
    void start() throws Exception {
        tpm = StrictDaToken.start(dir, MAX_TRIES);
        tpm.createPinKey("laptop");
        key = TokenKeys.agentKeys(tpm.tokens, StrictDaToken.TOKEN).get(0);
        log = new AgentLogCapture();
    }

    @AfterEach
    void stop() {
        log.close();
        tpm.close();
    }

    @Test
    void theSameWrongPinFileCostsOneTryHoweverManySignaturesAreAskedFor() throws Exception {
        Path pinFile = secretFile("pin", WRONG);
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), () -> List.of(key),
                AgentOptions.builder().environment(Map.of()).pinFile(pinFile).build())) {
            assertThat(tpm.lockoutCounter()).isZero();
            for (int i = 0; i < REQUESTS; i++) {
                assertThat(sign(agent, "request " + i)).as("request %d", i).isNull();
            }
            assertThat(tpm.lockoutCounter()).as("TPM_PT_LOCKOUT_COUNTER after %d requests with one wrong PIN",
                    REQUESTS).isEqualTo(1);
            // The real OpenSSH client, as a user would retry.
            for (int i = 0; i < 3; i++) {
                assertThat(sshKeygenSign(agent).exitCode()).isNotZero();
            }
            assertThat(tpm.lockoutCounter()).isEqualTo(1);
            assertThat(log.messages().stream().filter(m -> m.contains("counted")))
                    .as("said once: %s", log.messages()).hasSize(1).first().asString()
                    .contains("laptop").contains("PIN of " + StrictDaToken.TOKEN).contains(pinFile.toString())
                    .doesNotContain(WRONG);

            // A new wrong PIN in the file is a new question for the TPM, asked once too.
            Files.writeString(pinFile, OTHER_WRONG + "\n");
            for (int i = 0; i < 5; i++) {
                assertThat(sign(agent, "other " + i)).isNull();
            }
            assertThat(tpm.lockoutCounter()).isEqualTo(2);

            // The right PIN after wrong ones still signs, and the JDK accepts the signature.
            Files.writeString(pinFile, StrictDaToken.PIN + "\n");
            assertThat(verifies(sign(agent, "at last"), "at last")).isTrue();
            assertThat(tpm.lockoutCounter()).isEqualTo(2);
            assertThat(sshKeygenSign(agent).exitCode()).isZero();
        }
        assertThat(log.messages()).noneMatch(m -> m.contains(WRONG) || m.contains(OTHER_WRONG)
                || m.contains(StrictDaToken.PIN));
    }

    @Test
    void theSameWrongAnswerFromAskpassCostsOneTry() throws Exception {
        Path answer = secretFile("answer", WRONG);
        Path askpass = dir.resolve("askpass.sh");
        Files.writeString(askpass, "#!/bin/sh\ncat '" + answer + "'\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("SSH_ASKPASS", askpass.toString(), "SSH_ASKPASS_REQUIRE", "force");
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), () -> List.of(key),
                AgentOptions.builder().environment(env).askpassTimeout(Duration.ofSeconds(30)).build())) {
            for (int i = 0; i < REQUESTS; i++) {
                assertThat(sign(agent, "request " + i)).isNull();
            }
            assertThat(tpm.lockoutCounter()).as("one wrong askpass answer, %d requests", REQUESTS).isEqualTo(1);
            assertThat(log.messages()).filteredOn(m -> m.contains("counted")).hasSize(1).first().asString()
                    .contains("SSH_ASKPASS");

            Files.writeString(answer, StrictDaToken.PIN + "\n");
            assertThat(verifies(sign(agent, "typed right"), "typed right")).isTrue();
            assertThat(tpm.lockoutCounter()).isEqualTo(1);
        }
    }

    /** The signature blob of a sign request, or null when the agent answered FAILURE. */
    private byte[] sign(SshAgentServer agent, String data) throws Exception {
        byte[] request = new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST).writeString(key.publicKeyBlob())
                .writeString(data.getBytes(StandardCharsets.UTF_8)).writeUint32(0).toByteArray();
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            byte[] answer = client.request(request);
            if (answer.length == 1 && answer[0] == SSH_AGENT_FAILURE) {
                return null;
            }
            assertThat(answer[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
            return new SshWireReader(answer, 1, answer.length - 1).readString();
        }
    }

    private boolean verifies(byte[] signatureBlob, String data) throws Exception {
        assertThat(signatureBlob).as("a signature").isNotNull();
        Signature v = Signature.getInstance(SshCurve.NISTP256.jcaSignatureAlgorithm());
        v.initVerify(SshPublicKeys.parse(key.publicKeyBlob()));
        v.update(data.getBytes(StandardCharsets.UTF_8));
        return v.verify(SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(SshCurve.NISTP256, signatureBlob)));
    }

    private CommandResult sshKeygenSign(SshAgentServer agent) throws Exception {
        Path pub = dir.resolve("laptop.pub");
        Files.writeString(pub, SshPublicKeys.authorizedKeysLine(key.publicKeyBlob(), key.comment()) + "\n");
        Path data = dir.resolve("data.txt");
        Files.writeString(data, "signed through the agent\n");
        Files.deleteIfExists(Path.of(data + ".sig"));
        return CommandRunner.run(List.of("ssh-keygen", "-Y", "sign", "-f", pub.toString(), "-n", "file",
                data.toString()), Map.of("SSH_AUTH_SOCK", agent.socketPath().toString()), Duration.ofSeconds(60));
    }

    private Path secretFile(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
