package org.tpmssh.harness.latency;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.tpmssh.axes.Client;
import org.tpmssh.harness.backends.TpmBackend;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.MinaSshClient;
import org.tpmssh.sshserver.OpenSshAgentProcess;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.keys.PassphraseSource;
import org.tpmssh.stack.keys.PrivateKeyFiles;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;

/**
 * The baselines a stack's latencies are compared with, measured in the same run: TPM2_Sign straight over the
 * backend's transport (no SSH, no agent), and the same login with a plain software key instead of a TPM key.
 */
public final class Baselines {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Baselines() {
    }

    /**
     * Signs a SHA-256 digest {@code count} times with a PIN-less key of {@code type}, recording each
     * TPM2_Sign, and returns the last signature checked by JCA (true if it verified).
     */
    public static boolean rawTpmSign(TpmBackend backend, KeyType type, int count, String combination)
            throws Exception {
        KeyRing ring = backend.ring();
        boolean ecc = type.isEcc();
        TpmObject key = ring.create(ecc ? Templates.eccSigningKey(type.curve(), true)
                : Templates.rsaSigningKey(type.rsaBits(), true), new byte[0], "baseline");
        try {
            byte[] data = "baseline".getBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(data);
            Signature last = null;
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                last = ring.sign(key, new byte[0], digest, ecc ? Alg.ECDSA : Alg.RSASSA, Alg.SHA256);
                LatencySink.current().record(combination, LatencySink.Operation.BASELINE_RAW_TPM_SIGN,
                        System.nanoTime() - start);
            }
            java.security.Signature v = java.security.Signature.getInstance(ecc ? "SHA256withECDSA"
                    : "SHA256withRSA");
            v.initVerify(key.publicArea().toPublicKey());
            v.update(data);
            return v.verify(ecc ? last.toDer() : last.rsa());
        } finally {
            ring.cache().release(key);
        }
    }

    /**
     * Logs in {@code count} times to {@code server} with a fresh ECDSA P-256 software key, timing each: for the
     * OpenSSH client a key file in OpenSSH's own ssh-agent and the same {@code ssh -v} command line as the stack's
     * logins; for {@link Client#MINA_JCA} the same key as a plain JCA key pair. Returns
     * the last result, or the first that failed.
     */
    public static CommandResult fileKeyLogin(SshServerUnderTest server, Path workDir, Client client, int count,
            String combination) throws Exception {
        Path dir = Files.createTempDirectory(workDir, "file-key");
        Path key = dir.resolve("id_ecdsa");
        CommandResult keygen = CommandRunner.run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-C",
                "tpmssh-baseline", "-f", key.toString()), Map.of(), TIMEOUT);
        if (!keygen.succeeded()) {
            throw new IllegalStateException("ssh-keygen failed: " + keygen.describe());
        }
        String pub = Files.readString(dir.resolve("id_ecdsa.pub")).trim();
        server.setAuthorizedKeys(List.of(pub));
        if (client == Client.MINA_JCA) {
            KeyPair pair = PrivateKeyFiles.read(key, PassphraseSource.none());
            try (MinaSshClient mina = MinaSshClient.builder().identity(pair)
                    .knownHosts(Files.writeString(dir.resolve("known_hosts"), server.knownHostsLine() + "\n"))
                    .start()) {
                return timedLogins(count, combination, () -> mina.run(server, "true"));
            }
        }
        try (OpenSshAgentProcess agent = OpenSshAgentProcess.start(dir.resolve("agent.sock"))) {
            CommandResult add = agent.addKeyFile(key);
            if (!add.succeeded()) {
                throw new IllegalStateException("ssh-add failed: " + add.describe());
            }
            OpenSshClient ssh = new OpenSshClient(dir.resolve("client"), server);
            return timedLogins(count, combination, () -> ssh.run(agent.socket(), List.of("-v"), "true"));
        }
    }

    /** One login, as either client runs it. */
    private interface Login {
        CommandResult run() throws Exception;
    }

    private static CommandResult timedLogins(int count, String combination, Login login) throws Exception {
        CommandResult r = null;
        for (int i = 0; i < count; i++) {
            r = login.run();
            if (!r.succeeded()) {
                return r;
            }
            LatencySink.current().record(combination, LatencySink.Operation.BASELINE_FILE_KEY_LOGIN, r.wallNanos());
        }
        return r;
    }
}
