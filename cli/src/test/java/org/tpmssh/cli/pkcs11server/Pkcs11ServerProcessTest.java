package org.tpmssh.cli.pkcs11server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.cli.keys.Cli;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;

/**
 * {@code tpmssh pkcs11-server} stopped with SIGTERM as a user's Ctrl-C or systemd would: the socket
 * goes, no TPM object stays loaded, and a client that comes later sees no slots rather than an error.
 */
class Pkcs11ServerProcessTest {
    @TempDir
    Path dir;

    @Test
    void sigtermRemovesTheSocketAndLeavesNoObjectInTheTpm() throws Exception {
        Path module = Pkcs11ServerProcess.module();
        Pkcs11ServerProcess.assumeTool("pkcs11-tool", "opensc");
        try (Swtpm swtpm = Cli.relaxedSwtpm()) {
            Cli cli = new Cli(swtpm, dir.resolve("store"));
            cli.run("token", "init", "--label", "ci", "--no-user-pin").ok();
            cli.run("key", "create", "--token", "ci", "--label", "deploy", "--algorithm", "ecc-p256").ok();
            Pkcs11ServerProcess server = Pkcs11ServerProcess.start(cli, dir);
            try {
                assertThat(server.exportLine).isEqualTo("P11_KIT_SERVER_ADDRESS=unix:path=" + server.socket
                        + "; export P11_KIT_SERVER_ADDRESS;");
                // One signature, so the key is loaded in the TPM when the signal comes.
                Path digest = java.nio.file.Files.write(dir.resolve("digest"), new byte[32]);
                CommandResult sign = server.run(List.of("pkcs11-tool", "--module", module.toString(), "--sign", "-m",
                        "ECDSA", "-i", digest.toString(), "-o", dir.resolve("sig").toString()));
                assertThat(sign.exitCode()).as(sign.describe()).isZero();
                assertThat(dir.resolve("sig")).hasSize(64);
            } finally {
                assertThat(server.stop()).as("a JVM ended by SIGTERM exits 143 once its hooks ran").isEqualTo(143);
            }
            assertThat(server.socket).doesNotExist();
            assertThat(server.log()).contains("serving token ci").doesNotContain("\tat ");
            try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
                assertThat(GetCapability.handles(tpm, Handles.TRANSIENT_FIRST)).isEmpty();
            }
            CommandResult later = server.run(List.of("pkcs11-tool", "--module", module.toString(), "-L"));
            assertThat(later.stdout() + later.stderr()).contains("No slots");
        }
    }
}
