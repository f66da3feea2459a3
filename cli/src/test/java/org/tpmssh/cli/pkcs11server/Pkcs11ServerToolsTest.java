package org.tpmssh.cli.pkcs11server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.cli.keys.Cli;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;

/**
 * The independent checks of the p11-kit server, with C programs only on the client side: the real
 * {@code tpmssh pkcs11-server} process on a swtpm, Debian's p11-kit-client.so, and pkcs11-tool,
 * ssh-keygen and openssl, which verifies every signature against the key ssh-keygen -D printed.
 * Java's SunPKCS11 runs in a child JVM. Tokens: "pinned" (PIN 2468: P-256, P-384, P-521, RSA-2048)
 * and "free" (PIN-less: P-256).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Pkcs11ServerToolsTest {
    static final String PIN = "2468";

    @TempDir
    static Path dir;
    Swtpm swtpm;
    Cli cli;
    Pkcs11ServerProcess server;
    Path module;
    final Map<String, String> keyPub = new LinkedHashMap<>();
    Path data;

    @BeforeAll
    void start() throws Exception {
        module = Pkcs11ServerProcess.module();
        Pkcs11ServerProcess.assumeTool("pkcs11-tool", "opensc");
        swtpm = Cli.relaxedSwtpm();
        cli = new Cli(swtpm, dir.resolve("store"));
        Path pin = Cli.secretFile(dir, "pin", PIN);
        Path so = Cli.secretFile(dir, "so-pin", "so-1357");
        cli.run("token", "init", "--label", "pinned", "--user-pin-file", pin.toString(), "--so-pin-file",
                so.toString()).ok();
        cli.run("token", "init", "--label", "free", "--no-user-pin").ok();
        for (String[] k : List.of(new String[] {"p256", "ecc-p256"}, new String[] {"p384", "ecc-p384"},
                new String[] {"p521", "ecc-p521"}, new String[] {"rsa", "rsa-2048"})) {
            cli.run("key", "create", "--token", "pinned", "--label", k[0], "--algorithm", k[1], "--pin-file",
                    pin.toString()).ok();
        }
        cli.run("key", "create", "--token", "free", "--label", "robot", "--algorithm", "ecc-p256").ok();
        for (String[] k : List.of(new String[] {"pinned", "p256"}, new String[] {"pinned", "p384"},
                new String[] {"pinned", "p521"}, new String[] {"pinned", "rsa"}, new String[] {"free", "robot"})) {
            keyPub.put(k[1], cli.run("key", "pub", "--token", k[0], "--label", k[1]).ok().out().strip());
        }
        data = Files.writeString(dir.resolve("data"), "data for C_Sign through p11-kit\n");
        server = Pkcs11ServerProcess.start(cli, dir, "--placeholder-certificates");
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    CommandResult tool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("pkcs11-tool", "--module", module.toString()));
        command.addAll(List.of(args));
        return server.run(command);
    }

    static CommandResult ok(CommandResult r) {
        assertThat(r.exitCode()).as(r.describe()).isZero();
        return r;
    }

    /** The key's SubjectPublicKeyInfo PEM, converted by ssh-keygen from the line ssh-keygen -D printed. */
    Path pem(String label) throws Exception {
        String line = sshKeygenD().stream().filter(l -> l.endsWith(" " + label)).findFirst().orElseThrow();
        Path pub = Files.writeString(dir.resolve(label + ".pub"), line + "\n");
        Path pem = dir.resolve(label + ".pem");
        Files.writeString(pem, Cli.tool("ssh-keygen", "-e", "-m", "PKCS8", "-f", pub.toString()));
        return pem;
    }

    List<String> sshKeygenD() throws Exception {
        return ok(server.run(List.of("ssh-keygen", "-D", module.toString()))).stdout().lines()
                .filter(l -> !l.isBlank()).toList();
    }

    /** The key's CKA_ID as pkcs11-tool -O shows it; pkcs11-tool --sign picks its key by --id, not by --label. */
    String idOf(String token, String label) throws Exception {
        List<String> lines = ok(tool("--token-label", token, "-O", "--type", "pubkey")).stdout().lines()
                .map(String::strip).toList();
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).equals("label:      " + label) && lines.get(i + 1).startsWith("ID:")) {
                return lines.get(i + 1).substring(3).strip();
            }
        }
        throw new AssertionError("pkcs11-tool -O shows no key labelled " + label + ":\n" + String.join("\n", lines));
    }

    static boolean opensslAccepts(String... command) throws Exception {
        CommandResult r = CommandRunner.run(List.of(command), Map.of(), Duration.ofSeconds(30));
        return r.exitCode() == 0;
    }

    @Test
    void pkcs11ToolListsTheTokensWithTheirLoginFlags() throws Exception {
        String slots = ok(tool("-L")).stdout();
        assertThat(slots).contains("token label        : pinned").contains("token label        : free");
        String pinned = slots.substring(slots.indexOf("token label        : pinned"));
        String free = slots.substring(slots.indexOf("token label        : free"));
        assertThat(firstLine(pinned, "token flags")).contains("login required").contains("PIN initialized");
        assertThat(firstLine(free, "token flags")).doesNotContain("login required").contains("token initialized");
    }

    @Test
    void pkcs11ToolSeesPrivateKeysOnlyAfterLogin() throws Exception {
        String before = ok(tool("--token-label", "pinned", "-O")).stdout();
        assertThat(count(before, "Public Key Object")).isEqualTo(4);
        assertThat(count(before, "Private Key Object")).isZero();
        String after = ok(tool("--token-label", "pinned", "-O", "--login", "--pin", PIN)).stdout();
        assertThat(count(after, "Private Key Object")).isEqualTo(4);
        assertThat(after).contains("label:      p521").contains("Access:     sensitive, always sensitive,"
                + " never extractable, local");
        String free = ok(tool("--token-label", "free", "-O")).stdout();
        assertThat(free).contains("Private Key Object; EC").contains("label:      robot")
                .contains("Certificate Object; type = X.509 cert");
    }

    @Test
    void everyEcdsaSignatureVerifiesWithOpenssl() throws Exception {
        for (String label : List.of("p256", "p384", "p521")) {
            Path pem = pem(label);
            for (String hash : List.of("sha256", "sha384", "sha512")) {
                Path digest = Files.write(dir.resolve("digest." + hash), MessageDigest.getInstance(
                        hash.replace("sha", "SHA-")).digest(Files.readAllBytes(data)));
                Path sig = dir.resolve(label + "." + hash + ".sig");
                ok(tool("--token-label", "pinned", "--login", "--pin", PIN, "--sign", "-m", "ECDSA", "--id", idOf("pinned", label),
                        "--signature-format", "openssl", "-i", digest.toString(), "-o", sig.toString()));
                assertThat(opensslAccepts("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem.toString(), "-in",
                        digest.toString(), "-sigfile", sig.toString())).as("CKM_ECDSA %s %s", label, hash).isTrue();
                assertThat(opensslAccepts("openssl", "dgst", "-" + hash, "-verify", pem.toString(), "-signature",
                        sig.toString(), pem.toString())).as("other data must not verify").isFalse();
            }
        }
    }

    @Test
    void everyRsaSignatureVerifiesWithOpenssl() throws Exception {
        Path pem = pem("rsa");
        byte[] d256 = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(data));
        Path digestInfo = Files.write(dir.resolve("digestinfo"), concat(HexFormat.of().parseHex(
                "3031300d060960864801650304020105000420"), d256));
        Path sig = dir.resolve("rsa-pkcs.sig");
        ok(tool("--token-label", "pinned", "--login", "--pin", PIN, "--sign", "-m", "RSA-PKCS", "--id", idOf("pinned", "rsa"),
                "-i", digestInfo.toString(), "-o", sig.toString()));
        assertThat(opensslAccepts("openssl", "dgst", "-sha256", "-verify", pem.toString(), "-signature",
                sig.toString(), data.toString())).as("CKM_RSA_PKCS over a SHA-256 DigestInfo").isTrue();
        for (String hash : List.of("SHA256", "SHA384", "SHA512")) {
            Path s = dir.resolve("rsa." + hash + ".sig");
            ok(tool("--token-label", "pinned", "--login", "--pin", PIN, "--sign", "-m", hash + "-RSA-PKCS", "--id",
                    idOf("pinned", "rsa"), "-i", data.toString(), "-o", s.toString()));
            assertThat(opensslAccepts("openssl", "dgst", "-" + hash.toLowerCase(), "-verify", pem.toString(),
                    "-signature", s.toString(), data.toString())).as(hash + "-RSA-PKCS").isTrue();
        }
        Path d = Files.write(dir.resolve("digest.pss"), d256);
        Path pss = dir.resolve("rsa.pss.sig");
        ok(tool("--token-label", "pinned", "--login", "--pin", PIN, "--sign", "-m", "RSA-PKCS-PSS", "--hash-algorithm",
                "SHA256", "--mgf", "MGF1-SHA256", "--salt-len", "32", "--id", idOf("pinned", "rsa"), "-i", d.toString(), "-o",
                pss.toString()));
        assertThat(opensslAccepts("openssl", "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt",
                "rsa_pss_saltlen:32", "-verify", pem.toString(), "-signature", pss.toString(), data.toString()))
                .as("CKM_RSA_PKCS_PSS").isTrue();
        assertThat(opensslAccepts("openssl", "dgst", "-sha256", "-verify", pem.toString(), "-signature",
                pss.toString(), data.toString())).as("a PSS signature is no PKCS#1 v1.5 one").isFalse();
    }

    /**
     * p11-kit-client.so 0.24 does not know how to send CKM_ECDSA_SHA256/384/512 (its list of
     * parameterless mechanisms predates them; 0.25.0 added them), so it drops them from C_GetMechanismList
     * and fails C_SignInit itself. The server signs them (P11KitServerTest); a newer client would reach it.
     */
    @Test
    void hashingEcdsaMechanismsDependOnTheClientVersion() throws Exception {
        String version = Cli.tool("dpkg-query", "-W", "-f=${Version}", "p11-kit-modules").strip();
        boolean old = version.startsWith("0.24") || version.startsWith("0.23");
        String mechanisms = ok(tool("--token-label", "free", "-M")).stdout();
        assertThat(mechanisms).contains("ECDSA,").contains("SHA256-RSA-PKCS").contains("RSA-PKCS-PSS");
        Path pem = pem("robot");
        for (String hash : List.of("SHA256", "SHA384", "SHA512")) {
            Path sig = dir.resolve("robot." + hash + ".sig");
            CommandResult r = tool("--token-label", "free", "--sign", "-m", "ECDSA-" + hash, "--id", idOf("free", "robot"),
                    "--signature-format", "openssl", "-i", data.toString(), "-o", sig.toString());
            if (old) {
                assertThat(mechanisms).doesNotContain("ECDSA-" + hash);
                assertThat(r.exitCode()).as(r.describe()).isNotZero();
                assertThat(r.stderr()).contains("C_SignInit failed: rv = CKR_MECHANISM_INVALID");
            } else {
                assertThat(r.exitCode()).as(r.describe()).isZero();
                assertThat(opensslAccepts("openssl", "dgst", "-" + hash.toLowerCase(), "-verify", pem.toString(),
                        "-signature", sig.toString(), data.toString())).isTrue();
            }
        }
    }

    @Test
    void sshKeygenDPrintsTheLinesKeyPubPrints() throws Exception {
        Set<String> fromModule = new TreeSet<>(sshKeygenD());
        assertThat(fromModule).isEqualTo(new TreeSet<>(keyPub.values()));
    }

    /**
     * pkcs11-tool --test on the EC-only PIN-less token passes. On the PIN token it reaches the RSA key
     * and stops: pkcs11-tool 0.23 signs a SHA-1 DigestInfo with CKM_RSA_PKCS, which tpmssh refuses
     * (no SHA-1 signatures), so C_SignFinal answers CKR_DATA_INVALID; every step before it passes.
     */
    @Test
    void pkcs11ToolTestPassesOrFailsOnlyOnSha1() throws Exception {
        CommandResult free = tool("--token-label", "free", "--test");
        assertThat(free.exitCode()).as(free.describe()).isZero();
        assertThat(free.stdout()).contains("C_SeedRandom() and C_GenerateRandom():").contains("seems to be OK")
                .contains("No errors");
        CommandResult pinned = tool("--token-label", "pinned", "--test", "--login", "--pin", PIN);
        assertThat(pinned.stdout()).contains("seems to be OK").contains("testing key 3 (rsa)");
        assertThat(pinned.stderr()).contains("C_SignFinal failed: rv = CKR_DATA_INVALID");
        assertThat(server.log()).contains("CKR_DATA_INVALID").contains("DigestInfo");
    }

    @Test
    void javasSunPkcs11SignsThroughTheClientModule() throws Exception {
        Path pinFile = Cli.secretFile(dir, "sun-pin", PIN);
        Path lines = Files.write(dir.resolve("ssh-keygen-D.txt"), sshKeygenD());
        String slots = ok(tool("-L")).stdout();
        int index = slots.indexOf("token label        : free") < slots.indexOf("token label        : pinned") ? 1 : 0;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        CommandResult r = server.run(List.of(java, "-cp", System.getProperty("java.class.path"),
                SunPkcs11Check.class.getName(), module.toString(), Integer.toString(index), pinFile.toString(),
                lines.toString()));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).contains("VERIFIED p256 SHA256withECDSA", "VERIFIED p384 SHA256withECDSA",
                "VERIFIED p521 SHA256withECDSA", "VERIFIED rsa SHA256withRSA");
        assertThat(server.log()).doesNotContain(PIN);
    }

    static String firstLine(String text, String prefix) {
        return text.lines().map(String::strip).filter(l -> l.startsWith(prefix)).findFirst().orElse("");
    }

    static int count(String text, String what) {
        return (int) text.lines().filter(l -> l.contains(what)).count();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
