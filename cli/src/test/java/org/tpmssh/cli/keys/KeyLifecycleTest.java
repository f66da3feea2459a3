package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.keys.Tss2KeyFile;
import org.tpmssh.stack.keys.Tss2Keys;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.transport.Tcti;

/**
 * The whole life of tokens and keys through {@code tpmssh token} and {@code tpmssh key}, on a
 * real swtpm: every algorithm the swtpm offers is created, listed as {@code ssh-keygen -l} lists
 * it, exported to a TSS2 file that loads and signs again, and deleted with its token.
 */
class KeyLifecycleTest extends SwtpmCliTest {
    private static final String USER_PIN = "user-pin-4711";
    private static final String SO_PIN = "so-pin-0815";
    private static final List<String> ALGORITHMS = List.of("ecc-p256", "ecc-p384", "ecc-p521", "rsa-2048", "rsa-3072");


    @Test
    void tokensAndKeysFromInitToDelete() throws Exception {
        Cli cli = cli();
        Path userPin = Cli.secretFile(dir, "user.pin", USER_PIN);
        Path soPin = Cli.secretFile(dir, "so.pin", SO_PIN);

        cli.run("token", "init", "--label", "work", "--user-pin-file", userPin.toString(), "--so-pin-file",
                soPin.toString()).ok();
        cli.run("token", "init", "--label", "ci", "--no-user-pin").ok();
        assertThat(cli.run("token", "list").ok().out()).containsPattern("ci\\s+pin-less\\s+ecc\\s+0 keys")
                .containsPattern("work\\s+user-pin\\s+ecc\\s+0 keys");

        // What the swtpm offers, asked of the TPM itself: each of these must be created, the rest refused clearly.
        List<String> offered = new ArrayList<>();
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            java.util.Set<Integer> curves = GetCapability.eccCurves(tpm);
            boolean rsa = GetCapability.algorithms(tpm).contains(Alg.RSA);
            for (KeyType type : KeyType.values()) {
                if (type.isEcc() ? curves.contains(type.curve()) : rsa) {
                    offered.add(type.label());
                }
            }
        }
        assertThat(offered).as("what this swtpm lists").contains("ecc-p256", "ecc-p384", "rsa-2048");
        List<String> created = new ArrayList<>();
        for (String alg : ALGORITHMS) {
            Cli.Run r = cli.run("key", "create", "--token", "work", "--label", alg, "--algorithm", alg, "--pin-file",
                    userPin.toString());
            if (offered.contains(alg)) {
                r.ok();
                created.add(alg);
            } else {
                // A type the swtpm lacks is refused in one sentence that says what to choose instead.
                r.userError();
                assertThat(r.err()).containsAnyOf("does not support", "cannot create");
            }
        }
        cli.run("key", "create", "--token", "ci", "--label", "deploy", "--algorithm", "ecc-p256").ok();
        cli.run("key", "create", "--token", "work", "--label", "nopin", "--algorithm", "ecc-p256", "--no-pin").ok();

        // key list is ssh-keygen -l, line for line, with the label where ssh-keygen shows the comment.
        List<String> listed = cli.run("key", "list", "--token", "work").ok().out().lines().toList();
        assertThat(listed).hasSize(created.size() + 1);
        for (String label : concat(created, "nopin")) {
            String pub = cli.run("key", "pub", "--token", "work", "--label", label).ok().out();
            assertThat(pub.lines().count()).isEqualTo(1);
            assertThat(pub).startsWith(label.startsWith("rsa") ? "ssh-rsa " : "ecdsa-sha2-nistp");
            assertThat(listed).contains(Cli.sshKeygenFingerprint(dir, pub));
        }
        String ciList = cli.run("key", "list", "--token", "ci").ok().out().strip();
        assertThat(ciList).matches("256 SHA256:[A-Za-z0-9+/]{43} deploy \\(ECDSA\\)");

        // Export the PIN-less key: a 0600 TSS2 file that our loader brings back into the TPM and signs with.
        Path exported = dir.resolve("deploy.tss2");
        cli.run("key", "export", "--token", "ci", "--label", "deploy", "--out", exported.toString()).ok();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(exported))).isEqualTo("rw-------");
        assertThat(Files.readString(exported)).startsWith("-----BEGIN TSS2 PRIVATE KEY-----");
        Tss2KeyFile file = Tss2KeyFile.read(exported);
        assertThat(file.type()).isEqualTo(Tss2KeyFile.LOADABLE);
        assertThat(file.emptyAuth()).isTrue();
        String deployPub = cli.run("key", "pub", "--token", "ci", "--label", "deploy").ok().out();
        assertThat(SshPublicKeys.encode(file.pubkey().toPublicKey()))
                .isEqualTo(SshPublicKeys.blobFromLine(deployPub));
        Tss2Keys.Loaded loaded = Tss2Keys.open(() -> new Tpm(Tcti.parse(swtpm.tcti()).open()), file, new byte[0],
                "exported");
        try {
            byte[] data = "signed by the exported key".getBytes();
            byte[] sig = loaded.key().key().sign(data, 0);
            org.tpmssh.stack.ssh.SshCurve curve = org.tpmssh.stack.ssh.SshCurve.NISTP256;
            Signature v = Signature.getInstance(curve.jcaSignatureAlgorithm());
            v.initVerify(file.pubkey().toPublicKey());
            v.update(data);
            assertThat(v.verify(org.tpmssh.stack.ssh.SshSignatures.ecdsaToDer(
                    org.tpmssh.stack.ssh.SshSignatures.parseEcdsa(curve, sig)))).isTrue();
        } finally {
            loaded.key().key().close();
            loaded.ring().close();
        }
        // Export never overwrites.
        cli.run("key", "export", "--token", "ci", "--label", "deploy", "--out", exported.toString()).userError();

        // User errors are one line each.
        assertThat(cli.run("key", "create", "--token", "work", "--label", "nopin", "--algorithm", "ecc-p256",
                "--no-pin").userError().err()).contains("already has a key labelled 'nopin'");
        assertThat(cli.run("key", "pub", "--token", "nosuch", "--label", "x").userError().err())
                .contains("no token labelled 'nosuch'");
        assertThat(cli.run("key", "pub", "--token", "work", "--label", "nosuch").userError().err())
                .contains("has no key labelled 'nosuch'");
        assertThat(cli.run("token", "init", "--label", "ci", "--no-user-pin").userError().err())
                .contains("already exists");
        assertThat(cli.run("key", "create", "--token", "work", "--label", "needs-pin", "--algorithm", "ecc-p256")
                .userError().err()).contains("--pin-file").contains("TPMSSH_PIN");
        Cli.Run usage = cli.run("key", "create", "--token", "work", "--label", "x", "--algorithm", "ed25519");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("--algorithm must be one of");

        // Delete a key, then the tokens.
        cli.run("key", "delete", "--token", "work", "--label", "nopin").ok();
        assertThat(cli.run("key", "list", "--token", "work").ok().out()).doesNotContain(" nopin ");
        cli.run("token", "delete", "--label", "work").ok();
        cli.run("token", "delete", "--label", "ci").ok();
        Cli.Run empty = cli.run("token", "list").ok();
        assertThat(empty.out()).isEmpty();
        assertThat(empty.err()).contains("no tokens");

        assertThat(cli.everythingPrinted()).doesNotContain(USER_PIN).doesNotContain(SO_PIN);
    }

    @Test
    void aTokenUsedOnAnotherTpmIsOneLineSayingSo() throws Exception {
        Cli cli = cli();
        Path userPin = Cli.secretFile(dir, "user.pin", USER_PIN);
        Path soPin = Cli.secretFile(dir, "so.pin", SO_PIN);
        cli.run("token", "init", "--label", "work", "--user-pin-file", userPin.toString(), "--so-pin-file",
                soPin.toString()).ok();
        cli.run("key", "create", "--token", "work", "--label", "k", "--algorithm", "ecc-p256", "--pin-file",
                userPin.toString()).ok();
        cli.run("token", "init", "--label", "ci", "--no-user-pin").ok();
        cli.run("key", "create", "--token", "ci", "--label", "k", "--algorithm", "ecc-p256").ok();
        try (Swtpm other = Cli.relaxedSwtpm()) {
            Cli elsewhere = new Cli(other, cli.store());
            // A PIN key, a PIN-less key on a PIN token, and a PIN-less token (which never unseals anything).
            for (List<String> verb : List.of(
                    List.of("key", "create", "--token", "work", "--label", "k2", "--algorithm", "ecc-p256",
                            "--pin-file", userPin.toString()),
                    List.of("key", "create", "--token", "work", "--label", "k3", "--algorithm", "ecc-p256",
                            "--no-pin"),
                    List.of("key", "create", "--token", "ci", "--label", "k2", "--algorithm", "ecc-p256"),
                    List.of("key", "export", "--token", "ci", "--label", "k", "--out",
                            dir.resolve("k.tss2").toString()))) {
                Cli.Run r = elsewhere.run(verb.toArray(String[]::new)).userError();
                assertThat(r.err()).as(verb.toString()).contains("cannot be loaded into this TPM")
                        .contains("only on the TPM that created it");
            }
            assertThat(elsewhere.everythingPrinted()).doesNotContain(USER_PIN);
        }
        assertThat(dir.resolve("k.tss2")).doesNotExist();
        assertThat(cli.run("key", "list", "--token", "work").ok().out().lines().count()).isEqualTo(1);
        assertThat(cli.run("key", "list", "--token", "ci").ok().out().lines().count()).isEqualTo(1);
    }

    @Test
    void everyVerbHasHelpWithTctiAndStore() {
        Cli cli = cli();
        for (String verb : List.of("token init", "token list", "token delete", "token change-pin", "token reset-pin",
                "key create", "key import", "key wrap", "key parent-pub", "key add-file", "key pub", "key list",
                "key delete", "key export", "agent")) {
            List<String> args = new ArrayList<>(List.of(verb.split(" ")));
            args.add("--help");
            Cli.Run r = cli.raw(args.toArray(String[]::new));
            assertThat(r.exit()).as(verb).isZero();
            assertThat(r.out()).as(verb).contains("--tcti").contains("--store").contains("Usage: tpmssh " + verb);
        }
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> all = new ArrayList<>(a);
        all.add(b);
        return all;
    }
}
