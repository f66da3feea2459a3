package org.tpmssh.stack.p11kit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.fuzz.RecordingProxy;
import org.tpmssh.stack.fuzz.Seeds;
import org.tpmssh.tpm.commands.DictionaryAttack;

/**
 * Writes the seed inputs of {@link P11KitRpcFuzzTest}: Debian's p11-kit-client.so, driven by pkcs11-tool and
 * ssh-keygen -D, talks to our server (the fuzz target's tokens) through a recording proxy socket, and each client
 * connection's bytes become one seed. Run by hand (docs/fuzzing.md) with the resources directory of this package.
 */
public final class P11KitSeeds {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    public static void main(String[] args) throws Exception {
        Seeds.inScratch("p11kit-seeds", work -> record(args, work));
    }

    private static void record(String[] args, Path work) throws Exception {
        Path out = Path.of(args[0]).resolve("P11KitRpcFuzzTestInputs/connection");
        Files.createDirectories(out);
        Path module = P11KitClientModule.find().orElseThrow(() -> new IllegalStateException(P11KitClientModule.missing()));
        Path data = work.resolve("data");
        Files.write(data, new byte[32]);
        try (P11KitFixture f = P11KitFixture.start(work, List.of(KeyType.ECC_P256, KeyType.RSA_2048),
                DictionaryAttack::relaxForOwnSimulator)) {
            P11KitServer server = f.serve(work.resolve("server/s"), P11KitOptions.defaults()
                    .withPlaceholderCertificates(true));
            Path proxySocket = work.resolve("proxy/s");
            Files.createDirectories(proxySocket.getParent());
            try (RecordingProxy proxy = RecordingProxy.start(proxySocket, server.socketPath())) {
                Map<String, String> env = Map.of(P11KitServer.ADDRESS_VARIABLE, P11KitServer.addressOf(proxySocket));
                String freeId = f.keys.get("free/ecc-p256").id();
                String rsaId = f.keys.get("pinned/rsa-2048").id();
                String eccId = f.keys.get("pinned/ecc-p256").id();
                List<String> tool = List.of("pkcs11-tool", "--module", module.toString());
                record(proxy, out, "pkcs11-tool-list-slots", env, tool, "-L");
                record(proxy, out, "pkcs11-tool-list-mechanisms", env, tool, "--token-label", "free", "-M");
                record(proxy, out, "pkcs11-tool-list-objects", env, tool, "--token-label", "free", "-O");
                record(proxy, out, "pkcs11-tool-login-list-objects", env, tool, "--token-label", "pinned",
                        "--login", "--pin", P11KitFixture.PIN, "-O");
                record(proxy, out, "pkcs11-tool-sign-ecdsa-pinless", env, tool, "--token-label", "free", "--id",
                        freeId, "--sign", "-m", "ECDSA", "--input-file", data.toString(), "--output-file",
                        work.resolve("sig1").toString());
                record(proxy, out, "pkcs11-tool-sign-ecdsa-pin", env, tool, "--token-label", "pinned", "--login",
                        "--pin", P11KitFixture.PIN, "--id", eccId, "--sign", "-m", "ECDSA", "--input-file",
                        data.toString(), "--output-file", work.resolve("sig2").toString());
                record(proxy, out, "pkcs11-tool-sign-rsa-pss", env, tool, "--token-label", "pinned", "--login",
                        "--pin", P11KitFixture.PIN, "--id", rsaId, "--sign", "-m", "RSA-PKCS-PSS", "--hash-algorithm",
                        "SHA256", "--mgf", "MGF1-SHA256", "--input-file", data.toString(), "--output-file",
                        work.resolve("sig3").toString());
                record(proxy, out, "pkcs11-tool-sign-rsa-pkcs", env, tool, "--token-label", "pinned", "--login",
                        "--pin", P11KitFixture.PIN, "--id", rsaId, "--sign", "-m", "SHA256-RSA-PKCS", "--input-file",
                        data.toString(), "--output-file", work.resolve("sig4").toString());
                record(proxy, out, "pkcs11-tool-change-pin", env, tool, "--token-label", "pinned", "--login",
                        "--pin", P11KitFixture.PIN, "--change-pin", "--new-pin", P11KitFixture.PIN);
                record(proxy, out, "pkcs11-tool-init-pin", env, tool, "--token-label", "pinned", "--login",
                        "--login-type", "so", "--so-pin", P11KitFixture.SO_PIN, "--init-pin", "--new-pin",
                        P11KitFixture.PIN);
                record(proxy, out, "pkcs11-tool-generate-random", env, tool, "--token-label", "free",
                        "--generate-random", "32");
                record(proxy, out, "ssh-keygen-D", env, List.of("ssh-keygen", "-D", module.toString()));
                recordFailing(proxy, out, "pkcs11-tool-wrong-pin", env, tool, "--token-label", "pinned", "--login",
                        "--pin", "0000", "-O");
            }
        }
    }

    private static void record(RecordingProxy proxy, Path out, String name, Map<String, String> env,
            List<String> tool, String... args) throws Exception {
        save(proxy, out, name, env, tool, true, args);
    }

    private static void recordFailing(RecordingProxy proxy, Path out, String name, Map<String, String> env,
            List<String> tool, String... args) throws Exception {
        save(proxy, out, name, env, tool, false, args);
    }

    private static void save(RecordingProxy proxy, Path out, String name, Map<String, String> env, List<String> tool,
            boolean mustSucceed, String... args) throws Exception {
        int before = proxy.count();
        List<String> command = new ArrayList<>(tool);
        command.addAll(List.of(args));
        CommandResult result = CommandRunner.run(command, env, TIMEOUT);
        if (mustSucceed != result.succeeded()) {
            throw new IllegalStateException(name + ": " + result.describe());
        }
        List<byte[]> sent = proxy.sentSince(before);
        for (int i = 0; i < sent.size(); i++) {
            Seeds.write(out, sent.size() == 1 ? name : name + "-" + (i + 1), null, sent.get(i));
        }
    }
}
