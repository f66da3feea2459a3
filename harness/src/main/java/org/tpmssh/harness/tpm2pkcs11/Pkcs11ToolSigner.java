package org.tpmssh.harness.tpm2pkcs11;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshSignatures;

/**
 * One signature by a tpm2-pkcs11 key through OpenSC's {@code pkcs11-tool}, a process of its own since the module
 * reads its store and TCTI from the environment: the mechanisms OpenSSH uses (CKM_ECDSA over the digest, CKM_RSA_PKCS
 * over a DigestInfo), the PIN in the child's environment, never on its command line. A wrong PIN or lockout fails
 * with the module's own return value (CKR_PIN_INCORRECT, CKR_PIN_LOCKED) in the message.
 */
final class Pkcs11ToolSigner {
    /** The variable pkcs11-tool reads the PIN from ({@code --pin env:NAME}). */
    private static final String PIN_VARIABLE = "TPMSSH_PKCS11_TOOL_PIN";

    // DER DigestInfo prefixes (RFC 8017, section 9.2, note 1).
    private static final byte[] SHA1_INFO = HexFormat.of().parseHex("3021300906052b0e03021a05000414");
    private static final byte[] SHA256_INFO = HexFormat.of().parseHex("3031300d060960864801650304020105000420");
    private static final byte[] SHA512_INFO = HexFormat.of().parseHex("3051300d060960864801650304020305000440");

    private Pkcs11ToolSigner() {
    }

    static byte[] sign(PtoolStore store, StackAdapter.Stored key, String authorizedKeysLine, byte[] data, int flags,
            char[] pin) throws Exception {
        Path tool = SearchPath.system().find("pkcs11-tool").orElseThrow(() -> new Tpm2Pkcs11Exception(
                Tpm2Pkcs11Exception.Fault.STEP_FAILED, "pkcs11-tool is not installed (package opensc); the"
                + " tpm2-pkcs11 stack signs outside ssh with it"));
        String type = authorizedKeysLine.split(" ")[0];
        SshCurve curve = SshCurve.ofKeyType(type).orElse(null);
        String algorithm = curve != null ? type : (flags & AgentKey.SSH_AGENT_RSA_SHA2_512) != 0
                ? SshSignatures.RSA_SHA2_512 : (flags & AgentKey.SSH_AGENT_RSA_SHA2_256) != 0
                ? SshSignatures.RSA_SHA2_256 : SshSignatures.SSH_RSA;
        byte[] input = curve != null ? MessageDigest.getInstance(curve.digestName()).digest(data) : digestInfo(
                algorithm, data);
        Path dir = store.scratch("pkcs11-tool-sign");
        Path in = Files.write(dir.resolve("in"), input);
        Path out = dir.resolve("signature");
        boolean login = pin != null && pin.length > 0 && !key.token().equals(StackAdapter.PINLESS_TOKEN);
        List<String> command = new ArrayList<>(List.of(tool.toString(), "--module",
                store.installation().module().toString(), "--token-label", key.token()));
        if (login) {
            command.addAll(List.of("--login", "--pin", "env:" + PIN_VARIABLE));
        }
        command.addAll(List.of("--sign", "--mechanism", curve != null ? "ECDSA" : "RSA-PKCS", "--id",
                id(store, tool, key), "--input-file", in.toString(), "--output-file", out.toString()));
        CommandResult r = store.run(command, login ? Map.of(PIN_VARIABLE, new String(pin)) : Map.of());
        try {
            if (!r.succeeded()) {
                throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.STEP_FAILED, "pkcs11-tool --sign with key '"
                        + key.label() + "' of tpm2-pkcs11 failed (exit " + r.exitCode() + "): "
                        + r.stderr().strip().replace('\n', ' '));
            }
            byte[] raw = Files.readAllBytes(out);
            if (curve == null) {
                return SshSignatures.rsa(algorithm, raw);
            }
            int half = raw.length / 2;
            return SshSignatures.ecdsa(curve, new BigInteger(1, Arrays.copyOfRange(raw, 0, half)),
                    new BigInteger(1, Arrays.copyOfRange(raw, half, raw.length)));
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(dir);
        }
    }

    private static byte[] digestInfo(String algorithm, byte[] data) throws Exception {
        String hash = switch (algorithm) {
            case SshSignatures.RSA_SHA2_512 -> "SHA-512";
            case SshSignatures.RSA_SHA2_256 -> "SHA-256";
            default -> "SHA-1";
        };
        byte[] prefix = switch (hash) {
            case "SHA-512" -> SHA512_INFO;
            case "SHA-256" -> SHA256_INFO;
            default -> SHA1_INFO;
        };
        byte[] digest = MessageDigest.getInstance(hash).digest(data);
        byte[] info = Arrays.copyOf(prefix, prefix.length + digest.length);
        System.arraycopy(digest, 0, info, prefix.length, digest.length);
        return info;
    }

    /**
     * The key's CKA_ID, from its public object (listed without a login). By id, not label: pkcs11-tool 0.23 on
     * tpm2-pkcs11 1.9 found the token's first private key for {@code --label} of another (seen as
     * CKR_MECHANISM_INVALID for an RSA key labelled after an ECC one).
     */
    private static String id(PtoolStore store, Path tool, StackAdapter.Stored key) throws Exception {
        CommandResult r = store.run(List.of(tool.toString(), "--module", store.installation().module().toString(),
                "--token-label", key.token(), "--list-objects", "--type", "pubkey"), Map.of());
        String label = null;
        for (String line : r.stdout().lines().map(String::strip).toList()) {
            if (line.startsWith("label:")) {
                label = line.substring("label:".length()).strip();
            } else if (line.startsWith("ID:") && key.label().equals(label)) {
                return line.substring("ID:".length()).strip();
            }
        }
        throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.STEP_FAILED, "pkcs11-tool lists no public key"
                + " labelled '" + key.label() + "' in token '" + key.token() + "': " + r.describe());
    }
}
