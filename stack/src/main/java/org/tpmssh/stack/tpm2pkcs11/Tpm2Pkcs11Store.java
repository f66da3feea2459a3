package org.tpmssh.stack.tpm2pkcs11;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.sqlite.SQLiteConfig;
import org.tpmssh.stack.tpm2pkcs11.Tpm2Pkcs11StoreException.Reason;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A read-only snapshot of tpm2-pkcs11's sqlite store (primaries, tokens, keys with their public halves) for
 * migration; the database is never written.
 */
public record Tpm2Pkcs11Store(Path file, int schemaVersion, List<Tpm2Pkcs11Primary> primaries,
        List<Tpm2Pkcs11Token> tokens) {

    /** The database file tpm2-pkcs11 keeps in {@code TPM2_PKCS11_STORE}. */
    public static final String FILE_NAME = "tpm2_pkcs11.sqlite3";

    /**
     * Schema 8 (tpm2-pkcs11 1.9.0, Debian 12) and 9 (1.10): both have the same tables; 9 only
     * re-runs 8's fix of CKA_ALLOWED_MECHANISMS (a hex string became a YAML list), which this
     * reader does not use.
     */
    public static final Set<Integer> SUPPORTED_SCHEMAS = Set.of(8, 9);

    // PKCS#11 attribute and class numbers (PKCS#11 v2.40 pkcs11t.h; tpm2-pkcs11's vendor range).
    static final long CKA_CLASS = 0x0;
    static final long CKA_LABEL = 0x3;
    static final long CKA_ID = 0x102;
    static final long CKA_KEY_TYPE = 0x100;
    static final long CKA_TPM2_OBJAUTH_ENC = 0x8F000001L;
    static final long CKA_TPM2_PUB_BLOB = 0x8F000002L;
    static final long CKA_TPM2_PRIV_BLOB = 0x8F000003L;
    static final long CKO_CERTIFICATE = 1;
    static final long CKO_PRIVATE_KEY = 3;

    public Tpm2Pkcs11Store {
        primaries = List.copyOf(primaries);
        tokens = List.copyOf(tokens);
    }

    /** Reads the store in {@code storeDir} (the directory, as {@code TPM2_PKCS11_STORE} names it, or the file). */
    public static Tpm2Pkcs11Store read(Path storeDir) throws Tpm2Pkcs11StoreException {
        Path file = Files.isDirectory(storeDir) ? storeDir.resolve(FILE_NAME) : storeDir;
        if (!Files.isRegularFile(file)) {
            throw new Tpm2Pkcs11StoreException(Reason.MISSING, "no tpm2-pkcs11 store at " + file
                    + "; give the directory tpm2_ptool init was run in (TPM2_PKCS11_STORE, default ~/.tpm2_pkcs11)");
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        // mode=ro in the URI too: the driver then opens with SQLITE_OPEN_READONLY, never creating a journal.
        String url = "jdbc:sqlite:file:" + file.toAbsolutePath() + "?mode=ro";
        try (Connection c = DriverManager.getConnection(url, config.toProperties())) {
            int version = schemaVersion(c, file);
            if (!SUPPORTED_SCHEMAS.contains(version)) {
                throw new Tpm2Pkcs11StoreException(Reason.UNSUPPORTED_SCHEMA, "the tpm2-pkcs11 store " + file
                        + " has schema version " + version + "; this tpmssh reads versions 8 (tpm2-pkcs11 1.9) and"
                        + " 9 (1.10) only. Run `tpm2_ptool dbup` with a tpm2-pkcs11 that knows both, on a copy");
            }
            List<Tpm2Pkcs11Primary> primaries = primaries(c);
            return new Tpm2Pkcs11Store(file, version, primaries, tokens(c));
        } catch (SQLException e) {
            throw new Tpm2Pkcs11StoreException(Reason.NOT_A_STORE, file + " is not a tpm2-pkcs11 store that"
                    + " sqlite can read (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    /** The primary object a token's keys live under. */
    public Tpm2Pkcs11Primary primary(Tpm2Pkcs11Token token) {
        return primaries.stream().filter(p -> p.id() == token.primaryId()).findFirst().orElse(null);
    }

    private static int schemaVersion(Connection c, Path file) throws SQLException, Tpm2Pkcs11StoreException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='schema'");
                ResultSet r = s.executeQuery()) {
            if (!r.next()) {
                throw new Tpm2Pkcs11StoreException(Reason.NOT_A_STORE, file + " is an sqlite database but not a"
                        + " tpm2-pkcs11 store (it has no schema table)");
            }
        }
        try (PreparedStatement s = c.prepareStatement("SELECT schema_version FROM schema WHERE id=1");
                ResultSet r = s.executeQuery()) {
            if (!r.next()) {
                throw new Tpm2Pkcs11StoreException(Reason.NOT_A_STORE, file + " has an empty schema table;"
                        + " it was never initialised by tpm2_ptool init");
            }
            return r.getInt(1);
        }
    }

    private static List<Tpm2Pkcs11Primary> primaries(Connection c) throws SQLException, Tpm2Pkcs11StoreException {
        List<Tpm2Pkcs11Primary> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT id, hierarchy, config, objauth FROM pobjects ORDER BY id");
                ResultSet r = s.executeQuery()) {
            while (r.next()) {
                out.add(primary(r.getInt(1), r.getString(2), r.getString(3), r.getString(4)));
            }
        }
        return out;
    }

    /** One {@code pobjects} row: its id, hierarchy, YAML config and objauth columns. */
    static Tpm2Pkcs11Primary primary(int id, String hierarchy, String config, String objauth)
            throws Tpm2Pkcs11StoreException {
        Map<Object, Object> conf = yamlMap(config, "primary object " + id + " config");
        boolean isTransient = Boolean.TRUE.equals(conf.get("transient"));
        String template = conf.get("template-name") instanceof String t ? t : null;
        Integer handle = null;
        TpmtPublic pub = null;
        if (conf.get("esys-tr") instanceof String hex) {
            EsysTr tr = EsysTr.parse(hex(hex, "primary object " + id + " esys-tr"));
            handle = tr.handle();
            pub = tr.publicArea();
        }
        if (!isTransient && handle == null) {
            throw new Tpm2Pkcs11StoreException(Reason.MALFORMED, "primary object " + id + " config is neither"
                    + " transient nor names a persistent handle (esys-tr)");
        }
        return new Tpm2Pkcs11Primary(id, hierarchy, isTransient, template, handle, pub,
                objauth != null && !objauth.isEmpty());
    }

    private static List<Tpm2Pkcs11Token> tokens(Connection c) throws SQLException, Tpm2Pkcs11StoreException {
        List<Tpm2Pkcs11Token> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "SELECT t.id, t.pid, t.label, t.config, s.userpub FROM tokens t"
                        + " LEFT JOIN sealobjects s ON s.tokid = t.id ORDER BY t.id");
                ResultSet r = s.executeQuery()) {
            while (r.next()) {
                int id = r.getInt(1);
                boolean emptyUserPin = emptyUserPin(id, r.getString(4));
                boolean userPinSet = r.getBytes(5) != null;
                out.add(new Tpm2Pkcs11Token(id, r.getInt(2), r.getString(3), emptyUserPin, userPinSet,
                        keys(c, id)));
            }
        }
        return out;
    }

    private static List<Tpm2Pkcs11Key> keys(Connection c, int tokenId) throws SQLException, Tpm2Pkcs11StoreException {
        List<Tpm2Pkcs11Key> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT id, attrs FROM tobjects WHERE tokid=? ORDER BY id")) {
            s.setInt(1, tokenId);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    key(r.getInt(1), tokenId, r.getString(2)).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    /** A token's YAML config: whether tpm2_ptool addtoken was given an empty user PIN. */
    static boolean emptyUserPin(int tokenId, String config) throws Tpm2Pkcs11StoreException {
        return Boolean.TRUE.equals(yamlMap(config, "token " + tokenId + " config").get("empty-user-pin"));
    }

    /** One {@code tobjects} row: the private TPM key its YAML attributes describe, or empty for any other object. */
    static Optional<Tpm2Pkcs11Key> key(int id, int tokenId, String attributesYaml) throws Tpm2Pkcs11StoreException {
        String what = "object " + id + " of token " + tokenId;
        Map<Long, Object> attrs = attributes(yamlMap(attributesYaml, what + " attributes"), what);
        if (!(attrs.get(CKA_CLASS) instanceof Number cls) || cls.longValue() != CKO_PRIVATE_KEY) {
            return Optional.empty(); // public halves and certificates repeat what the private object's TPM blob says
        }
        if (!(attrs.get(CKA_TPM2_PUB_BLOB) instanceof String pubHex)) {
            return Optional.empty(); // not a TPM key (tpm2-pkcs11 makes none such; skip rather than guess)
        }
        TpmtPublic pub = tpm2bPublic(hex(pubHex, what + " CKA_TPM2_PUB_BLOB"), what);
        PublicKey key;
        try {
            key = pub.toPublicKey();
        } catch (TpmFormatException | RuntimeException e) {
            throw new Tpm2Pkcs11StoreException(Reason.MALFORMED, what + " holds a TPM public area that"
                    + " is not an RSA or ECC signing key", e);
        }
        String label = attrs.get(CKA_LABEL) instanceof String l ? utf8(hex(l, what + " CKA_LABEL")) : "";
        byte[] ckaId = attrs.get(CKA_ID) instanceof String i ? hex(i, what + " CKA_ID") : new byte[0];
        return Optional.of(new Tpm2Pkcs11Key(id, label, ckaId, pub, key, attrs.containsKey(CKA_TPM2_PRIV_BLOB),
                attrs.containsKey(CKA_TPM2_OBJAUTH_ENC)));
    }

    private static Map<Long, Object> attributes(Map<Object, Object> yaml, String what) throws Tpm2Pkcs11StoreException {
        Map<Long, Object> out = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : yaml.entrySet()) {
            if (!(e.getKey() instanceof Number n)) {
                throw new Tpm2Pkcs11StoreException(Reason.MALFORMED, what + " has a non-numeric attribute type");
            }
            out.put(n.longValue(), e.getValue());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> yamlMap(String text, String what) throws Tpm2Pkcs11StoreException {
        if (text == null) {
            throw new Tpm2Pkcs11StoreException(Reason.MALFORMED, what + " is missing");
        }
        try {
            // SafeConstructor: plain maps, lists and scalars only, whatever tags the text carries.
            Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
            if (o instanceof Map<?, ?> m) {
                return (Map<Object, Object>) m;
            }
        } catch (RuntimeException e) {
            // Beyond its YAMLException, SnakeYAML's constructors throw NumberFormatException for a malformed !!int and
            // ClassCastException for a tag that does not fit its node (a scalar tagged !!map): fuzz findings.
            throw new Tpm2Pkcs11StoreException(Reason.MALFORMED, what + " is not valid YAML", e);
        }
        throw new Tpm2Pkcs11StoreException(Reason.MALFORMED, what + " is not a YAML mapping");
    }

    private static TpmtPublic tpm2bPublic(byte[] blob, String what) throws Tpm2Pkcs11StoreException {
        try {
            TpmReader r = new TpmReader(blob);
            TpmtPublic p = TpmtPublic.readSized(r);
            r.expectEnd("TPM2B_PUBLIC");
            return p;
        } catch (TpmFormatException e) {
            throw new Tpm2Pkcs11StoreException(Reason.MALFORMED, what + " holds no valid TPM2B_PUBLIC", e);
        }
    }

    static byte[] hex(String hex, String what) throws Tpm2Pkcs11StoreException {
        try {
            return java.util.HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new Tpm2Pkcs11StoreException(Reason.MALFORMED, what + " is not a hex string");
        }
    }

    private static String utf8(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
