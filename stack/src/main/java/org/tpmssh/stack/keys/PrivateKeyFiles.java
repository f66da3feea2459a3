package org.tpmssh.stack.keys;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.loader.openssh.OpenSSHKeyPairResourceParser;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.tpmssh.stack.keys.KeyFileException.Reason;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;

/**
 * Reads the private key files people already have (OpenSSH, PEM, PKCS#8) and returns only what a TPM 2.0 can
 * hold (docs/key-import.md).
 */
public final class PrivateKeyFiles {
    private static final int MAX_FILE = 1 << 20;
    private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----");
    private static final byte[] OPENSSH_MAGIC = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
    /** BC as a provider instance for the PBES decryptors only; it is never registered globally. */
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private PrivateKeyFiles() {
    }

    /**
     * Reads {@code file}. Asks {@code passphrases} only if the file is encrypted.
     *
     * @throws UnsupportedKeyTypeException for Ed25519, Ed448, DSA, other curves: one sentence saying what to do
     * @throws KeyFileException            missing, unreadable, malformed, or a missing or wrong passphrase
     */
    public static KeyPair read(Path file, PassphraseSource passphrases) throws IOException {
        byte[] bytes = readBounded(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        try {
            Matcher m = BEGIN.matcher(text);
            if (!m.find()) {
                throw new KeyFileException(Reason.NOT_A_KEY_FILE, file + " is not a PEM or OpenSSH private key file;"
                        + " give a file that starts with -----BEGIN ... PRIVATE KEY-----");
            }
            String label = m.group(1);
            KeyPair pair;
            switch (label) {
                case "OPENSSH PRIVATE KEY":
                    pair = readOpenSsh(file, text, passphrases);
                    break;
                case "RSA PRIVATE KEY":
                case "EC PRIVATE KEY":
                case "PRIVATE KEY":
                case "ENCRYPTED PRIVATE KEY":
                    pair = readPem(file, text, passphrases);
                    break;
                case "DSA PRIVATE KEY":
                    throw unsupported("DSA");
                case "TSS2 PRIVATE KEY":
                    throw new KeyFileException(Reason.NOT_A_KEY_FILE, file + " is already a TPM key (TSS2 PRIVATE KEY);"
                            + " add it with `tpmssh key add-file` instead of importing it");
                default:
                    throw new KeyFileException(Reason.NOT_A_KEY_FILE, file + " holds a \"" + label + "\" block, not a"
                            + " private key; give an OpenSSH, PEM (PKCS#1, SEC1) or PKCS#8 private key file");
            }
            return consistent(file, checkSupported(pair));
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static byte[] readBounded(Path file) throws KeyFileException {
        try {
            if (Files.isDirectory(file)) {
                throw new KeyFileException(Reason.NOT_A_KEY_FILE, file + " is a directory; give the private key file");
            }
            if (Files.size(file) > MAX_FILE) {
                throw new KeyFileException(Reason.NOT_A_KEY_FILE, file + " is too large to be a private key file");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new KeyFileException(Reason.MISSING, "there is no key file at " + file + "; check the path");
        } catch (AccessDeniedException e) {
            throw new KeyFileException(Reason.MISSING, "cannot read " + file + ": permission denied");
        } catch (KeyFileException e) {
            throw e;
        } catch (IOException e) {
            throw new KeyFileException(Reason.MISSING, "cannot read " + file + ": " + e.getClass().getSimpleName());
        }
    }

    // ---- OpenSSH ---------------------------------------------------------------------------

    private static KeyPair readOpenSsh(Path file, String text, PassphraseSource passphrases) throws IOException {
        Header h = openSshHeader(file, text);
        switch (h.keyType()) {
            case "ssh-ed25519":
                throw unsupported("Ed25519");
            case "ssh-ed448":
                throw unsupported("Ed448");
            case "ssh-dss":
                throw unsupported("DSA");
            case "ssh-rsa":
            case "ecdsa-sha2-nistp256":
            case "ecdsa-sha2-nistp384":
            case "ecdsa-sha2-nistp521":
                break;
            default:
                if (h.keyType().startsWith("sk-")) {
                    throw new UnsupportedKeyTypeException("security-key (FIDO) keys live in their token and cannot be"
                            + " moved into a TPM; create a TPM key with `tpmssh key create`");
                }
                throw new UnsupportedKeyTypeException(h.keyType() + " keys cannot be stored in a TPM 2.0; create an"
                        + " ECDSA key with `tpmssh key create`");
        }
        char[] pass = null;
        String passString = null;
        if (h.encrypted()) {
            pass = passphrases.passphrase(file);
            if (pass == null || pass.length == 0) {
                throw new KeyFileException(Reason.PASSPHRASE_REQUIRED, file + " is protected by a passphrase;"
                        + " give it (for example with --passphrase-file)");
            }
            // MINA's FilePasswordProvider speaks String, which cannot be wiped; it lives only for this call.
            passString = new String(pass);
        }
        byte[] fileBytes = text.getBytes(StandardCharsets.ISO_8859_1);
        try {
            FilePasswordProvider provider = FilePasswordProvider.of(passString);
            Collection<KeyPair> pairs = OpenSSHKeyPairResourceParser.INSTANCE.loadKeyPairs(null,
                    NamedResource.ofName(file.toString()), provider, new ByteArrayInputStream(fileBytes));
            if (pairs == null || pairs.size() != 1) {
                throw new KeyFileException(Reason.MALFORMED, file + " does not hold exactly one private key;"
                        + " split it with ssh-keygen first");
            }
            return pairs.iterator().next();
        } catch (KeyFileException | UnsupportedKeyTypeException e) {
            throw e;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (h.encrypted()) {
                // bcrypt-derived keys give garbage on a wrong passphrase: the check integers then differ.
                throw new KeyFileException(Reason.WRONG_PASSPHRASE, "the passphrase for " + file + " is wrong;"
                        + " try again");
            }
            throw malformed(file);
        } finally {
            Arrays.fill(fileBytes, (byte) 0);
            if (pass != null) {
                Arrays.fill(pass, '\0');
            }
        }
    }

    private record Header(String keyType, boolean encrypted) {
    }

    /** The unencrypted part of an OpenSSH key (PROTOCOL.key): cipher name and the public key's type. */
    private static Header openSshHeader(Path file, String text) throws KeyFileException {
        String begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
        int start = text.indexOf(begin) + begin.length();
        int end = text.indexOf("-----END OPENSSH PRIVATE KEY-----", start); // after BEGIN, which may share its dashes
        if (end < 0) {
            throw malformed(file);
        }
        String body = text.substring(start, end).replaceAll("\\s", "");
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw malformed(file);
        }
        try {
            if (raw.length < OPENSSH_MAGIC.length
                    || !Arrays.equals(Arrays.copyOf(raw, OPENSSH_MAGIC.length), OPENSSH_MAGIC)) {
                throw malformed(file);
            }
            ByteArrayBuffer buf = new ByteArrayBuffer(raw, OPENSSH_MAGIC.length, raw.length - OPENSSH_MAGIC.length);
            String cipher = buf.getString();
            buf.getString(); // kdf name
            buf.getBytes();  // kdf options
            long count = buf.getUInt();
            if (count != 1) {
                throw new KeyFileException(Reason.MALFORMED, file + " holds " + count + " keys; tpmssh imports one"
                        + " key per file");
            }
            ByteArrayBuffer pub = new ByteArrayBuffer(buf.getBytes());
            return new Header(pub.getString(), !"none".equals(cipher));
        } catch (KeyFileException e) {
            throw e;
        } catch (RuntimeException e) { // MINA's buffers throw BufferException on a short read
            throw malformed(file);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    // ---- PEM and PKCS#8 --------------------------------------------------------------------

    private static KeyPair readPem(Path file, String text, PassphraseSource passphrases) throws IOException {
        Object o;
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            o = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw malformed(file);
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            if (o instanceof PEMKeyPair kp) {
                return converter.getKeyPair(kp);
            }
            if (o instanceof PrivateKeyInfo info) {
                return withPublic(file, converter.getPrivateKey(info));
            }
            if (o instanceof PEMEncryptedKeyPair enc) {
                char[] pass = need(file, passphrases);
                try {
                    return converter.getKeyPair(enc.decryptKeyPair(new JcePEMDecryptorProviderBuilder()
                            .setProvider(BC).build(pass)));
                } catch (IOException | RuntimeException e) {
                    throw wrongPassphrase(file);
                } finally {
                    Arrays.fill(pass, '\0');
                }
            }
            if (o instanceof PKCS8EncryptedPrivateKeyInfo enc) {
                char[] pass = need(file, passphrases);
                PrivateKeyInfo info;
                try {
                    info = enc.decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC)
                            .build(pass));
                } catch (Exception e) {
                    throw wrongPassphrase(file);
                } finally {
                    Arrays.fill(pass, '\0');
                }
                return withPublic(file, converter.getPrivateKey(info));
            }
        } catch (KeyFileException | UnsupportedKeyTypeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // A key whose algorithm the JDK does not know (the converter says so) or a broken structure.
            String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (msg.contains("ed25519") || msg.contains("1.3.101.112")) {
                throw unsupported("Ed25519");
            }
            if (msg.contains("ed448") || msg.contains("1.3.101.113")) {
                throw unsupported("Ed448");
            }
            throw malformed(file);
        }
        throw malformed(file);
    }

    private static char[] need(Path file, PassphraseSource passphrases) throws IOException {
        char[] pass = passphrases.passphrase(file);
        if (pass == null || pass.length == 0) {
            throw new KeyFileException(Reason.PASSPHRASE_REQUIRED, file + " is protected by a passphrase;"
                    + " give it (for example with --passphrase-file)");
        }
        return pass;
    }

    /** PKCS#8 carries only the private half; the public half is computed from it. */
    private static KeyPair withPublic(Path file, PrivateKey priv) throws IOException {
        try {
            if (priv instanceof RSAPrivateCrtKey rsa) {
                PublicKey pub = KeyFactory.getInstance("RSA").generatePublic(
                        new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
                return new KeyPair(pub, priv);
            }
            if (priv instanceof ECPrivateKey ec) {
                SshCurve curve = SshCurve.of(ec.getParams()).orElseThrow(() -> unsupportedCurve());
                ECNamedCurveParameterSpec spec = ECNamedCurveTable.getParameterSpec(curve.jcaName());
                org.bouncycastle.math.ec.ECPoint q = spec.getG().multiply(ec.getS()).normalize();
                ECPoint w = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
                PublicKey pub = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, ec.getParams()));
                return new KeyPair(pub, priv);
            }
        } catch (GeneralSecurityException e) {
            throw malformed(file);
        }
        return new KeyPair(null, priv); // checkSupported names the type
    }

    // ---- what a TPM can hold ---------------------------------------------------------------

    /**
     * An RSA key whose primes do not make its modulus is a damaged file (a fuzzed PEM had a prime longer than half
     * the modulus, which no TPM sensitive area can hold); the import's challenge would catch the rest, too late.
     */
    private static KeyPair consistent(Path file, KeyPair pair) throws KeyFileException {
        if (pair.getPrivate() instanceof RSAPrivateCrtKey k && pair.getPublic() instanceof RSAPublicKey pub
                && (!k.getPrimeP().multiply(k.getPrimeQ()).equals(k.getModulus())
                        || !k.getModulus().equals(pub.getModulus()))) {
            throw malformed(file);
        }
        return pair;
    }

    private static KeyPair checkSupported(KeyPair pair) throws UnsupportedKeyTypeException {
        PrivateKey priv = pair.getPrivate();
        String alg = priv.getAlgorithm().toUpperCase(Locale.ROOT);
        if (priv instanceof RSAPrivateCrtKey && pair.getPublic() instanceof RSAPublicKey) {
            return pair;
        }
        if (priv instanceof ECPrivateKey ec && pair.getPublic() instanceof ECPublicKey) {
            SshCurve.of(ec.getParams()).orElseThrow(PrivateKeyFiles::unsupportedCurve);
            return pair;
        }
        if (priv instanceof java.security.interfaces.EdECKey ed) {
            throw unsupported(ed.getParams().getName()); // "Ed25519" or "Ed448"
        }
        if (alg.contains("25519")) {
            throw unsupported("Ed25519");
        }
        if (alg.contains("448")) {
            throw unsupported("Ed448");
        }
        if (alg.equals("EDDSA")) {
            throw unsupported("Ed25519");
        }
        if (alg.equals("DSA")) {
            throw unsupported("DSA");
        }
        if (alg.equals("RSA")) {
            throw new UnsupportedKeyTypeException("this RSA key lacks its primes (no CRT form), so a TPM cannot"
                    + " import it; convert it with ssh-keygen or openssl first");
        }
        throw new UnsupportedKeyTypeException(priv.getAlgorithm() + " keys cannot be stored in a TPM 2.0; create an"
                + " ECDSA key with `tpmssh key create`");
    }

    static UnsupportedKeyTypeException unsupported(String type) {
        return new UnsupportedKeyTypeException(type + " keys cannot be stored in a TPM 2.0; create an ECDSA key"
                + " with `tpmssh key create`");
    }

    private static UnsupportedKeyTypeException unsupportedCurve() {
        return new UnsupportedKeyTypeException("EC keys on this curve cannot be stored in a TPM by tpmssh; use"
                + " P-256, P-384 or P-521, or create a key with `tpmssh key create`");
    }

    private static KeyFileException malformed(Path file) {
        return new KeyFileException(Reason.MALFORMED, file + " is damaged or truncated and does not parse as a"
                + " private key; restore it from a backup");
    }

    private static KeyFileException wrongPassphrase(Path file) {
        return new KeyFileException(Reason.WRONG_PASSPHRASE, "the passphrase for " + file + " is wrong; try again");
    }

    /** A fixed-length big-endian unsigned encoding (TPM2B contents), by BC. */
    static byte[] unsigned(BigInteger v, int len) {
        return org.bouncycastle.util.BigIntegers.asUnsignedByteArray(len, v);
    }

}
