package org.tpmssh.cli.key;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.tpmssh.cli.options.StoreVerb;
import org.tpmssh.cli.token.TokenSession;
import org.tpmssh.stack.identities.TokenKeys;
import org.tpmssh.stack.keys.KeyFileException;
import org.tpmssh.stack.keys.PassphraseSource;
import org.tpmssh.stack.keys.PrivateKeyFiles;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.Tss2KeyFile;
import org.tpmssh.stack.keys.Tss2Keys;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.StoreListing;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.tpm2pkcs11.Tpm2Pkcs11Key;
import org.tpmssh.stack.tpm2pkcs11.Tpm2Pkcs11Primary;
import org.tpmssh.stack.tpm2pkcs11.Tpm2Pkcs11Store;
import org.tpmssh.stack.tpm2pkcs11.Tpm2Pkcs11Token;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tpmssh key}: keys that live in the TPM, stored (as blobs only that TPM can load) in a token. */
@Command(name = "key", mixinStandardHelpOptions = true,
        description = "Create, import, list and export TPM keys, and print their public halves.",
        subcommands = {KeyCommand.Create.class, KeyCommand.Import.class, KeyCommand.Wrap.class,
                KeyCommand.ParentPub.class, KeyCommand.AddFile.class, KeyCommand.Pub.class, KeyCommand.ListKeys.class,
                KeyCommand.Delete.class, KeyCommand.Export.class})
public final class KeyCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options of the verbs that put a key into a token. */
    abstract static class AddingVerb extends StoreVerb {
        @Option(names = "--token", required = true, description = "The token to put the key in.")
        String token;

        @Option(names = "--label", required = true, description = "The key's name in the token.")
        String label;

        @Option(names = "--no-pin", description = "A PIN-less key (empty authValue, noDA) even on a PIN token.")
        boolean noPin;

        @Option(names = "--pin-file", paramLabel = "<file>",
                description = "The token's user PIN (first line). Else TPMSSH_PIN, else a prompt.")
        Path pinFile;

        @Option(names = "--comment", description = "The comment `key pub` and the agent show (default: the label).")
        String comment;

        /**
         * Logs in when the new key will need the user PIN; null when it will not. The caller
         * wipes the returned token secret.
         */
        byte[] loginIfNeeded(TokenSession session) throws Exception {
            TokenRecord t = session.tokens().store().requireToken(token);
            if (t.pinless() || noPin) {
                return null;
            }
            char[] pin = secrets().read(pinFile, "user PIN of token '" + token + "'", "--pin-file", true,
                    "give --no-pin for a key without a PIN");
            try {
                return session.tokens().loginUser(token, pin);
            } catch (PinIncorrectException e) {
                throw session.counted(e);
            } finally {
                Secrets.wipe(pin);
            }
        }

        void refuseDuplicate(TokenStore s) throws StoreException {
            s.requireToken(token);
            if (s.keyByLabel(token, label).isPresent()) {
                throw new StoreException("token '" + token + "' already has a key labelled '" + label
                        + "'; choose another --label");
            }
        }

        void printAdded(KeyRecord k) throws Exception {
            out().println(KeyListing.fingerprintLine(k));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a new sign-only key inside the TPM (it never leaves it).")
    static final class Create extends AddingVerb {
        @Option(names = "--algorithm", required = true, paramLabel = "<alg>",
                description = "ecc-p256, ecc-p384, ecc-p521, rsa-2048 or rsa-3072 (as far as the TPM supports it).")
        String algorithm;

        @Override
        public Integer call() throws Exception {
            TpmSshKeys.KeyType type = KeyListing.keyType(algorithm);
            if (type == null) {
                throw usage("--algorithm must be one of ecc-p256, ecc-p384, ecc-p521, rsa-2048, rsa-3072; not '"
                        + algorithm + "'");
            }
            TokenStore s = store.open();
            refuseDuplicate(s);
            try (TokenSession session = TokenSession.forToken(tpm, s, token)) {
                byte[] secret = loginIfNeeded(session);
                try {
                    printAdded(session.tokens().createKey(token, type, label, noPin, comment, secret));
                } finally {
                    Secrets.wipe(secret);
                }
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Import an existing private key into the TPM (TPM2_Import; the file is only read,"
                    + " never changed): OpenSSH, PEM PKCS#1/SEC1 or PKCS#8, encrypted or not; RSA and ECDSA"
                    + " P-256/384/521.",
                    "A TSS2 PRIVATE KEY file is added as with `key add-file` (e.g. the output of `key wrap`)."})
    static final class Import extends AddingVerb {
        @Option(names = "--file", required = true, paramLabel = "<path>", description = "The private key file.")
        Path file;

        @Option(names = "--passphrase-file", paramLabel = "<file>",
                description = "The key file's passphrase (first line). Else a prompt when the file is encrypted.")
        Path passphraseFile;

        @Override
        public Integer call() throws Exception {
            PassphraseSource passphrases = PassphraseSourceOf.of(passphraseFile);
            TokenStore s = store.open();
            refuseDuplicate(s);
            if (isTss2(file)) {
                if (!noPin && !s.requireToken(token).pinless()) {
                    err().println("note: a TSS2 file joins the token as a PIN-less key; its authValue was chosen"
                            + " where the file was made");
                }
                KeyRecord k = AddFile.add(tpm, s, token, label, file, comment);
                printAdded(k);
                return 0;
            }
            KeyPair pair = PrivateKeyFiles.read(file, passphrases);
            try (TokenSession session = TokenSession.forToken(tpm, s, token)) {
                byte[] secret = loginIfNeeded(session);
                try {
                    printAdded(TokenKeys.importKey(session.tokens(), token, label, pair, noPin, comment, secret));
                } finally {
                    Secrets.wipe(secret);
                }
            }
            return 0;
        }
    }

    /** Refuses a directory given where a file belongs, naming it: the JDK's own "Is a directory" names nothing. */
    static void refuseDirectory(Path path, String what) throws KeyFileException {
        if (path != null && Files.isDirectory(path)) {
            throw new KeyFileException(KeyFileException.Reason.NOT_A_KEY_FILE, path + " is a directory; give the "
                    + what + " file");
        }
    }

    /** True when the file is a TSS2 PRIVATE KEY PEM; a missing file is left for the reader to report. */
    static boolean isTss2(Path file) throws java.io.IOException {
        refuseDirectory(file, "private key");
        try {
            byte[] head = new byte[64];
            int n;
            try (var in = Files.newInputStream(file)) {
                n = in.readNBytes(head, 0, head.length);
            }
            return new String(head, 0, n, StandardCharsets.ISO_8859_1).contains("-----BEGIN TSS2 PRIVATE KEY-----");
        } catch (NoSuchFileException e) {
            throw new KeyFileException(KeyFileException.Reason.MISSING, "there is no key file at " + file
                    + "; check the path");
        }
    }

    @Command(name = "wrap", mixinStandardHelpOptions = true,
            description = {"Wrap a private key for a TPM you do not have at hand: the output is an importable"
                    + " TSS2 file only that TPM can import (with `key import` or `key add-file`).",
                    "Needs no TPM: give the target token's storage key from `tpmssh key parent-pub`."
                    + " The wrapped key is PIN-less on the target."})
    static final class Wrap extends StoreVerb {
        @Option(names = "--parent-pub", required = true, paramLabel = "<pem>",
                description = "The target's storage key public PEM (`tpmssh key parent-pub` there).")
        Path parentPub;

        @Option(names = "--file", required = true, paramLabel = "<path>", description = "The private key file.")
        Path file;

        @Option(names = "--out", required = true, paramLabel = "<file>",
                description = "Where to write the importable TSS2 PRIVATE KEY (mode 0600).")
        Path out;

        @Option(names = "--passphrase-file", paramLabel = "<file>",
                description = "The key file's passphrase (first line). Else a prompt when the file is encrypted.")
        Path passphraseFile;

        @Override
        public Integer call() throws Exception {
            PassphraseSource passphrases = PassphraseSourceOf.of(passphraseFile);
            refuseDirectory(parentPub, "parent public key");
            String pem;
            try {
                pem = Files.readString(parentPub, StandardCharsets.US_ASCII);
            } catch (NoSuchFileException e) {
                throw new KeyFileException(KeyFileException.Reason.MISSING, "there is no parent public key at "
                        + parentPub + "; make it on the target with `tpmssh key parent-pub --token T --out FILE`");
            }
            refuseExisting(out);
            KeyPair pair = PrivateKeyFiles.read(file, passphrases);
            Tss2KeyFile wrapped = Tss2Keys.wrap(pair, pem, new byte[0], true, new SecureRandom());
            wrapped.write(out);
            out().println("wrote " + out + "; on the target run: tpmssh key import --token T --label L --file "
                    + out);
            return 0;
        }
    }

    @Command(name = "parent-pub", aliases = "srk-pub", mixinStandardHelpOptions = true,
            description = "Print the public key of the token's storage key (PEM), the input of `key wrap`.")
    static final class ParentPub extends StoreVerb {
        @Option(names = "--token", required = true, description = "The token.")
        String token;

        @Option(names = "--out", paramLabel = "<file>", description = "Write the PEM here instead of stdout.")
        Path outFile;

        @Override
        public Integer call() throws Exception {
            TokenStore s = store.open();
            String pem;
            try (TokenSession session = TokenSession.forToken(tpm, s, token)) {
                pem = Tss2Keys.srkPublicPem(session.ring());
            }
            refuseDirectory(outFile, "output");
            if (outFile == null) {
                out().print(pem);
            } else {
                Files.writeString(outFile, pem, StandardCharsets.US_ASCII);
                out().println("wrote " + outFile);
            }
            return 0;
        }
    }

    @Command(name = "add-file", mixinStandardHelpOptions = true,
            description = "Add a TSS2 PRIVATE KEY file (loadable, or importable from `key wrap`) to a token,"
                    + " as a PIN-less key. Only files without a password can be added.")
    static final class AddFile extends StoreVerb {
        @Option(names = "--token", required = true, description = "The token.")
        String token;

        @Option(names = "--label", required = true, description = "The key's name in the token.")
        String label;

        @Option(names = "--file", required = true, paramLabel = "<tss2.pem>", description = "The TSS2 key file.")
        Path file;

        @Option(names = "--comment", description = "The comment `key pub` and the agent show (default: the label).")
        String comment;

        @Override
        public Integer call() throws Exception {
            out().println(KeyListing.fingerprintLine(add(tpm, store.open(), token, label, file, comment)));
            return 0;
        }

        static KeyRecord add(org.tpmssh.cli.options.TpmOption tpm, TokenStore s, String token, String label,
                Path file, String comment) throws Exception {
            refuseDirectory(file, "TSS2 key");
            Tss2KeyFile f = Tss2KeyFile.read(file);
            try (TokenSession session = TokenSession.forToken(tpm, s, token)) {
                return TokenKeys.addFile(session.tokens(), token, label, f, file, comment);
            }
        }
    }

    /** Verbs that name one stored key. */
    abstract static class OneKeyVerb extends StoreVerb {
        @Option(names = "--token", required = true, description = "The token.")
        String token;

        @Option(names = "--label", required = true, description = "The key's label.")
        String label;

        KeyRecord key(TokenStore s) throws StoreException {
            s.requireToken(token);
            return s.keyByLabel(token, label).orElseThrow(() -> new StoreException("token '" + token
                    + "' has no key labelled '" + label + "'; list them with `tpmssh key list --token " + token + "`"));
        }
    }

    @Command(name = "pub", mixinStandardHelpOptions = true,
            description = "Print the key's public half as one authorized_keys line.")
    static final class Pub extends OneKeyVerb {
        @Override
        public Integer call() throws Exception {
            out().println(KeyListing.authorizedKeysLine(key(store.open())));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List a token's keys as `ssh-keygen -l` does: bits SHA256:fingerprint label (TYPE).",
                    "With --from-tpm2-pkcs11, list the tokens and keys of a tpm2-pkcs11 store instead (read-only,"
                    + " no TPM and no PIN needed): the public keys to put in authorized_keys again after re-keying."})
    static final class ListKeys extends StoreVerb {
        @Option(names = "--token", description = "The token.")
        String token;

        @Option(names = "--from-tpm2-pkcs11", paramLabel = "<store dir>",
                description = "A tpm2-pkcs11 store directory (what TPM2_PKCS11_STORE names), or its"
                        + " tpm2_pkcs11.sqlite3. It is opened read-only.")
        Path tpm2Pkcs11Store;

        @Option(names = "--pub", description = "Print authorized_keys lines instead of fingerprints.")
        boolean pub;

        @Override
        public Integer call() throws Exception {
            if (tpm2Pkcs11Store != null) {
                if (token != null) {
                    throw usage("give either --token or --from-tpm2-pkcs11, not both");
                }
                return listTpm2Pkcs11();
            }
            if (token == null) {
                throw usage("give --token <name>, or --from-tpm2-pkcs11 <store dir> to list a tpm2-pkcs11 store");
            }
            TokenStore s = store.open();
            s.requireToken(token);
            StoreListing<KeyRecord> keys = s.listKeys(token);
            keys.damaged().forEach(this::warn);
            if (keys.records().isEmpty()) {
                err().println("token '" + token + "' has no " + (keys.damaged().isEmpty() ? "" : "readable ")
                        + "keys; add one with `tpmssh key create`");
            }
            for (KeyRecord k : keys.records()) {
                out().println(pub ? KeyListing.authorizedKeysLine(k) : KeyListing.fingerprintLine(k));
            }
            return 0;
        }

        private int listTpm2Pkcs11() throws Exception {
            Tpm2Pkcs11Store s = Tpm2Pkcs11Store.read(tpm2Pkcs11Store);
            if (!pub) {
                out().println("# " + s.file() + " (tpm2-pkcs11 schema " + s.schemaVersion() + ")");
            }
            if (s.tokens().isEmpty()) {
                err().println("the tpm2-pkcs11 store has no tokens");
            }
            for (Tpm2Pkcs11Token t : s.tokens()) {
                if (!pub) {
                    Tpm2Pkcs11Primary p = s.primary(t);
                    out().println("token '" + t.label() + "': " + t.keys().size() + " key(s), "
                            + (t.emptyUserPin() ? "empty user PIN" : t.userPinSet() ? "user PIN" : "no user PIN yet")
                            + ", under " + (p == null ? "a missing primary object" : p.describe()));
                }
                for (Tpm2Pkcs11Key k : t.keys()) {
                    out().println(pub ? k.authorizedKeysLine() : "  " + k.fingerprintLine());
                }
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a key from its token. The TPM keeps no copy, so this cannot be undone.")
    static final class Delete extends OneKeyVerb {
        @Override
        public Integer call() throws Exception {
            TokenStore s = store.open();
            KeyRecord k = key(s);
            s.deleteKey(token, k.id());
            out().println("key '" + label + "' deleted from token '" + token + "'");
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write a PIN-less key as a loadable TSS2 PRIVATE KEY file (mode 0600). The file is still"
                    + " bound to this TPM: it holds no usable private key.",
                    "Where it loads depends on the token's `token init --parent`: ecc-tss2 in tpmssh, tpm2-openssl"
                    + " 1.x and ssh-tpm-agent 0.5 and later; ecc in tpmssh and ssh-tpm-agent 0.4 and older (not"
                    + " tpm2-openssl); rsa in tpmssh only. The verb prints where the file loads and warns when"
                    + " tpm2-openssl cannot use it.",
                    "A PIN key is refused: its authValue is derived from a token secret that never leaves the TPM,"
                    + " so no other program could use the file."})
    static final class Export extends OneKeyVerb {
        @Option(names = "--out", required = true, paramLabel = "<file>", description = "The file to write.")
        Path out;

        @Override
        public Integer call() throws Exception {
            TokenStore s = store.open();
            KeyRecord k = key(s);
            if (!k.pinless()) {
                throw new StoreException("key '" + label + "' has a PIN, and its authValue is derived from a token"
                        + " secret that never leaves the TPM, so no other program could use an exported file;"
                        + " export a key made with --no-pin instead");
            }
            refuseExisting(out);
            ParentKind parent = s.requireToken(token).parent();
            Tss2KeyFile file;
            try (TokenSession session = TokenSession.forToken(tpm, s, token)) {
                try {
                    file = Tss2Keys.export(session.ring(), k.privateBlob(), k.tpmPublic(), true);
                } catch (IllegalStateException e) {
                    throw new StoreException("token '" + token + "' lives under a storage key that a TSS2 file"
                            + " cannot name (parent 0x40000001), so its keys cannot be exported", e);
                }
            }
            file.write(out);
            out().println("wrote " + out + "; it loads in " + parent.loaders());
            if (!parent.tpm2OpensslLoads()) {
                err().println("warning: token '" + token + "' lives under the " + parent.json() + " storage key,"
                        + " which tpm2-openssl does not derive, so `openssl -provider tpm2` cannot load this file;"
                        + " for tpm2-openssl, create or import the key in a token made with `tpmssh token init"
                        + " --parent ecc-tss2`");
            }
            return 0;
        }
    }

    static void refuseExisting(Path out) throws StoreException {
        if (Files.exists(out)) {
            throw new StoreException(out + " already exists and tpmssh never writes over a file; choose another --out");
        }
    }
}
