package org.tpmssh.stack.tpm2pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Tpm2Ptool;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.stack.agent.SshAgentServer;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.Tss2KeyFile;
import org.tpmssh.stack.keys.Tss2Keys;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Keys crossing between tpm2-pkcs11 and our stack on one swtpm, with the real tpm2_ptool, the
 * real libtpm2_pkcs11 under {@code ssh -I}, and a real sshd. Where a crossing cannot work the test
 * pins the named reason, so a change in either stack shows up here.
 */
class Tpm2Pkcs11InteropTest {
    private static final Pattern OBJECT_AUTH = Pattern.compile("(?m)^object-auth:\\s*'?([0-9A-Za-z]*)'?\\s*$");

    @TempDir
    Path dir;

    private Tpm2Pkcs11Fixture fixture;
    private HomeSnapshot home;

    @BeforeEach
    void start() throws Exception {
        home = HomeSnapshot.take();
        fixture = Tpm2Pkcs11Fixture.start(dir.resolve("store"));
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        home.assertUnchanged();
    }

    @Test
    void aTpm2PtoolKeyExportedAsTss2PemLogsInThroughOurAgentUnderATwinOfItsPersistentPrimary() throws Exception {
        Tpm2Ptool ptool = fixture.ptool();
        int pid = ptool.init();
        ptool.addToken(pid, "t", "so-secret", "1234");
        ptool.addKey("t", "k", "1234", "ecc256");
        String report = ptool.exportPem("t", "k", "1234", dir.resolve("k"));
        Matcher m = OBJECT_AUTH.matcher(report);
        assertThat(m.find()).as("tpm2_ptool export prints the key's object-auth").isTrue();
        byte[] objectAuth = m.group(1).getBytes(StandardCharsets.US_ASCII);
        Tpm2Pkcs11Store store = Tpm2Pkcs11Store.read(ptool.store());
        String expectedLine = store.tokens().get(0).keys().get(0).authorizedKeysLine();

        Tss2KeyFile file = Tss2KeyFile.read(dir.resolve("k.pem"));
        assertThat(file.type()).isEqualTo(Tss2KeyFile.LOADABLE);
        assertThat(file.parent()).as("tpm2-pkcs11's persistent primary").isEqualTo(0x81000001);
        assertThat(file.emptyAuth()).isFalse();

        fixture.pause(); // our stack needs swtpm's one connection
        // The generic TSS2 path knows only parent 0x40000001, and says so.
        Throwable refused = catchThrowable(() -> Tss2Keys.open(fixture::openOurs, file, objectAuth, "k"));
        assertThat(refused).isInstanceOf(UnsupportedKeyTypeException.class)
                .hasMessageContaining("persistent key 0x81000001").hasMessageContaining("0x40000001 only");

        // The tpm2-pkcs11 path: the same primary, re-created from the tpm2-tools RSA template.
        Tss2Keys.Loaded loaded = Tpm2Pkcs11Keys.open(fixture::openOurs, file, store.primaries().get(0), objectAuth,
                "k");
        try (KeyRing ring = loaded.ring(); TpmSshKey key = loaded.key().key()) {
            assertThat(loaded.srkTemplate()).isEqualTo(Templates.srkRsa());
            assertThat(blob(key.authorizedKeysLine())).isEqualTo(blob(expectedLine));
            try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(expectedLine));
                    SshAgentServer agent = SshAgentServer.start(dir.resolve("agent/a.sock"), () -> List.of(key))) {
                CommandResult login = new OpenSshClient(dir.resolve("client"), sshd).run(agent.socketPath(),
                        "echo hello-from-our-agent");
                assertThat(login.exitCode()).as(login.describe()).isZero();
                assertThat(login.stdout()).contains("hello-from-our-agent");
            }
        }
    }

    @Test
    void aTpm2Pkcs11KeyWithAWrongObjectAuthDoesNotSign() throws Exception {
        Tpm2Ptool ptool = fixture.ptool();
        int pid = ptool.init();
        ptool.addToken(pid, "t", "so-secret", "1234");
        ptool.addKey("t", "k", "1234", "ecc256");
        ptool.exportPem("t", "k", "1234", dir.resolve("k"));
        Tpm2Pkcs11Store store = Tpm2Pkcs11Store.read(ptool.store());
        Tss2KeyFile file = Tss2KeyFile.read(dir.resolve("k.pem"));
        fixture.pause();
        Tss2Keys.Loaded loaded = Tpm2Pkcs11Keys.open(fixture::openOurs, file, store.primaries().get(0),
                "00000000000000000000000000000000".getBytes(StandardCharsets.US_ASCII), "k");
        try (KeyRing ring = loaded.ring(); TpmSshKey key = loaded.key().key()) {
            assertThat(catchThrowable(() -> key.sign(new byte[32], 0))).isInstanceOf(AgentSignException.class);
        }
    }

    @Test
    void ourKeyUnderTheEmptyUniqueEccSrkLinksIntoATss2EngineStoreAndLogsInThroughSshI() throws Exception {
        Tpm2Ptool ptool = fixture.ptool();
        int pid = ptool.init("--transient-parent=" + Tpm2Pkcs11Parents.TSS2_ENGINE_TEMPLATE);
        ptool.addToken(pid, "t", "so-secret", "1234");

        Ours ours = createOurs(Templates.srkEccTss2Legacy());
        ptool = fixture.ptool(); // a new abrmd, a new bus
        Tpm2Pkcs11Primary primary = Tpm2Pkcs11Store.read(ptool.store()).primaries().get(0);
        Tpm2Pkcs11Parents.Verdict verdict = Tpm2Pkcs11Parents.check(primary, Templates.srkEccTss2Legacy());
        assertThat(verdict.linkable()).as(verdict.reason()).isTrue();

        ptool.link("t", "ours", "1234", ours.pem(), "");
        // The module now offers our key: ssh-keygen -D through libtpm2_pkcs11 prints our public key.
        CommandResult listed = CommandRunner.run(List.of("ssh-keygen", "-D", Tpm2Pkcs11Fixture.MODULE.toString()),
                fixture.moduleEnvironment(), Duration.ofSeconds(60));
        assertThat(listed.exitCode()).as(listed.describe()).isZero();
        assertThat(listed.stdout()).contains(blob(ours.authorizedKeysLine()));

        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(ours.authorizedKeysLine()))) {
            CommandResult login = sshDashI(sshd, "1234");
            assertThat(login.exitCode()).as(login.describe() + "\nsshd log:\n"
                    + Files.readString(sshd.logFile())).isZero();
            assertThat(login.stdout()).contains("hello-from-tpm2-pkcs11");
            CommandResult wrongPin = sshDashI(sshd, "9999");
            assertThat(wrongPin.exitCode()).as("a wrong PIN must not log in").isNotZero();
        }
    }

    @Test
    void ourH2KeyCannotBeLinkedIntoTheDefaultStoreAndBothTemplatesAreNamed() throws Exception {
        Tpm2Ptool ptool = fixture.ptool();
        int pid = ptool.init();
        ptool.addToken(pid, "t", "so-secret", "1234");

        Ours ours = createOurs(Templates.srkEccH2());
        ptool = fixture.ptool();
        Tpm2Pkcs11Primary primary = Tpm2Pkcs11Store.read(ptool.store()).primaries().get(0);
        Tpm2Pkcs11Parents.Verdict verdict = Tpm2Pkcs11Parents.check(primary, Templates.srkEccH2());
        assertThat(verdict.linkable()).isFalse();
        assertThat(verdict.reason()).startsWith("tpm2-pkcs11 primary: persistent primary 0x81000001, RSA-2048"
                + " storage key, tpm2-tools default template").contains("; ours: H-2 ECC SRK");

        // And tpm2_ptool itself refuses, for the reason the verdict gives.
        Tpm2Ptool.Result r = ptool.tryRun(List.of("link", "--label=t", "--key-label=ours", "--userpin=1234",
                ours.pem().toString()));
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr() + r.stdout()).contains("is persistent").contains("0x40000001");
    }

    private record Ours(Path pem, String authorizedKeysLine) {
    }

    /** A PIN-less ECC key of ours under {@code srk}, exported as a TSS2 PEM; abrmd paused meanwhile. */
    private Ours createOurs(TpmtPublic srk) throws Exception {
        fixture.pause();
        Path pem = dir.resolve("ours.pem");
        String line;
        try (Tpm tpm = fixture.openOurs(); KeyRing ring = KeyRing.open(tpm, srk);
                TpmSshKey key = TpmSshKeys.create(ring, TpmSshKeys.KeyType.ECC_P256, null, "ours")) {
            Tss2KeyFile file = Tss2Keys.export(ring, key.object().privateBlob().orElseThrow(),
                    key.object().publicArea(), true);
            file.write(pem);
            line = key.authorizedKeysLine();
        }
        fixture.resume();
        return new Ours(pem, line);
    }

    /** {@code ssh -I <module>} with the PIN from SSH_ASKPASS (forced) and stdin from /dev/null. */
    private CommandResult sshDashI(OpenSshServer sshd, String pin) throws Exception {
        Path askpass = dir.resolve("askpass-" + pin + ".sh");
        Files.writeString(askpass, "#!/bin/sh\necho " + pin + "\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        OpenSshClient client = new OpenSshClient(dir.resolve("client"), sshd);
        List<String> command = new ArrayList<>();
        for (String a : client.command(dir.resolve("no-agent"))) {
            command.add(switch (a) {
                case "BatchMode=yes" -> "BatchMode=no"; // else ssh never asks for the PIN
                default -> a.startsWith("IdentityAgent=") ? "IdentityAgent=none" : a;
            });
        }
        command.addAll(1, List.of("-I", Tpm2Pkcs11Fixture.MODULE.toString()));
        command.add("echo hello-from-tpm2-pkcs11");
        Map<String, String> env = fixture.moduleEnvironment();
        env.put("SSH_ASKPASS", askpass.toString());
        env.put("SSH_ASKPASS_REQUIRE", "force");
        env.put("DISPLAY", ":0");
        return CommandRunner.run(command, env, Duration.ofSeconds(60));
    }

    private static String blob(String authorizedKeysLine) {
        return authorizedKeysLine.split(" ")[1];
    }
}
