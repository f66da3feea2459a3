package org.tpmssh.stack.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.objects.OwnNames;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * The token store on disk, versioned JSON a person can read, written under a lock by atomic file replacement
 * (docs/SECURITY.md).
 */
public final class TokenStore {
    public static final String FORMAT = "tpmssh-store";
    /** The format a new store starts at: ecc and rsa tokens only, as every tpmssh reads. */
    public static final int FIRST_VERSION = 1;
    /** The newest format this tpmssh reads; a store is raised to it only by a token that needs it. */
    public static final int VERSION = 2;

    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final RecordFiles files = new RecordFiles();
    private final ObjectMapper json = files.mapper();
    private DamagedFile storeFileDamage;

    private TokenStore(Path root) {
        this.root = root;
    }

    /**
     * Opens the store in {@code dir} without writing anything: the directory and its store.json are
     * made by the first token added, so a verb that only reads, or fails, leaves no directory behind.
     * Refuses a store.json of another format or a newer version; a damaged one is reported by
     * {@link #listTokens} and left as it is.
     */
    public static TokenStore open(Path dir) throws StoreException {
        TokenStore s = new TokenStore(dir.toAbsolutePath().normalize());
        s.checkFormat();
        return s;
    }

    public Path root() {
        return root;
    }

    /**
     * The store's format version, checked: one this tpmssh reads; {@link #FIRST_VERSION} before store.json
     * exists, and -1 when it is damaged (reported by {@link #listTokens}, never rewritten).
     */
    private int checkFormat() throws StoreException {
        Path meta = root.resolve("store.json");
        if (!Files.exists(meta, LinkOption.NOFOLLOW_LINKS)) {
            return FIRST_VERSION;
        }
        JsonNode n;
        try {
            n = files.tree(meta);
        } catch (DamagedFileException e) {
            storeFileDamage = e.damage();
            return -1;
        }
        if (!FORMAT.equals(n.path("format").asText()) || !n.path("version").canConvertToInt()) {
            throw new StoreException(meta + " is not a tpmssh store (expected \"format\": \"" + FORMAT
                    + "\"); point --store at a tpmssh store directory");
        }
        int v = n.path("version").asInt();
        if (v < FIRST_VERSION || v > VERSION) {
            throw new StoreException(meta + " has store format version " + v + "; this tpmssh reads versions "
                    + FIRST_VERSION + " to " + VERSION + ". Use the tpmssh release that wrote it");
        }
        return v;
    }

    /**
     * Raises store.json to {@code needed} when it is older, so that a tpmssh which does not know a
     * token's parent kind refuses the whole store by its version rather than calling the token damaged.
     * A damaged store.json is left as it is.
     */
    private void requireVersion(int needed) throws IOException, StoreException {
        int v = checkFormat();
        if (v < 0 || v >= needed) {
            return;
        }
        ObjectNode n = json.createObjectNode();
        n.put("format", FORMAT);
        n.put("version", needed);
        writeAtomic(root.resolve("store.json"), json.writeValueAsBytes(n));
    }

    /** Makes the store's directories and store.json if they are not there yet; the caller holds the lock. */
    private void create() throws IOException {
        mkdirs(root.resolve("tokens"));
        Path meta = root.resolve("store.json");
        if (!Files.exists(meta, LinkOption.NOFOLLOW_LINKS)) {
            ObjectNode n = json.createObjectNode();
            n.put("format", FORMAT);
            n.put("version", FIRST_VERSION);
            writeAtomic(meta, json.writeValueAsBytes(n));
        }
    }

    // ---- tokens ----

    /** The tokens whose token.json reads well, by label; damaged ones are skipped (see {@link #listTokens}). */
    public List<TokenRecord> tokens() throws StoreException {
        return listTokens().records();
    }

    /**
     * Every token whose token.json reads well, by label, and every token.json (and store.json) that
     * does not. A directory without token.json and names that are not token labels hold no token and
     * are left to {@link StoreCheck}.
     */
    public StoreListing<TokenRecord> listTokens() throws StoreException {
        List<TokenRecord> out = new ArrayList<>();
        List<DamagedFile> damaged = new ArrayList<>();
        if (storeFileDamage != null) {
            damaged.add(storeFileDamage);
        }
        Listed dirs = list(root.resolve("tokens"));
        dirs.damage().ifPresent(damaged::add);
        for (Path d : dirs.entries()) {
            String label = d.getFileName().toString();
            Path f = d.resolve("token.json");
            if (!Names.isLabel(label) || !Files.isDirectory(d) || !Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                out.add(files.token(f, label));
            } catch (DamagedFileException e) {
                damaged.add(e.damage());
            }
        }
        out.sort(Comparator.comparing(TokenRecord::label));
        damaged.sort(Comparator.comparing(DamagedFile::file));
        return new StoreListing<>(out, damaged);
    }

    /** The token labelled {@code label}, empty if there is none; a damaged token.json is a {@link DamagedFileException}. */
    public Optional<TokenRecord> token(String label) throws StoreException {
        Names.checkLabel(label, "token label");
        Path f = tokenFile(label);
        return Files.exists(f, LinkOption.NOFOLLOW_LINKS) ? Optional.of(files.token(f, label)) : Optional.empty();
    }

    /** Where the token labelled {@code label} is kept. */
    public Path tokenFile(String label) {
        return tokenDir(label).resolve("token.json");
    }

    /** Where the key {@code keyId} of token {@code label} is kept. */
    public Path keyFile(String label, String keyId) {
        return keysDir(label).resolve(keyId + ".json");
    }

    public TokenRecord requireToken(String label) throws StoreException {
        return token(label).orElseThrow(() -> new StoreException("no token labelled '" + label + "' in " + root
                + "; list them with `tpmssh token list`"));
    }

    /** Adds a new token; refuses a label already in use. */
    public void addToken(TokenRecord t) throws StoreException {
        withLock(true, () -> {
            create();
            Path dir = tokenDir(t.label());
            if (Files.exists(dir.resolve("token.json"), LinkOption.NOFOLLOW_LINKS)) {
                throw new StoreException("a token labelled '" + t.label() + "' already exists in " + root
                        + "; choose another label");
            }
            if (!list(dir.resolve("keys")).entries().isEmpty()) {
                // Key files without token.json: adopting them would mix an earlier token's keys into this one.
                throw new StoreException(dir + " holds key files but no token.json; choose another label (`tpmssh"
                        + " token check` says what those files hold)");
            }
            requireVersion(t.parent().storeVersion());
            mkdirs(dir);
            mkdirs(dir.resolve("keys"));
            writeAtomic(dir.resolve("token.json"), files.bytes(t));
        });
    }

    /** Replaces an existing token's record (new seals after a PIN change), atomically. */
    public void replaceToken(TokenRecord t) throws StoreException {
        withLock(() -> {
            Path f = tokenDir(t.label()).resolve("token.json");
            if (!Files.exists(f)) {
                throw new StoreException("no token labelled '" + t.label() + "' in " + root);
            }
            writeAtomic(f, files.bytes(t));
        });
    }

    /** Deletes a token's directory and its keys, and nothing else. */
    public void deleteToken(String label) throws StoreException {
        Names.checkLabel(label, "token label");
        withLock(() -> {
            Path dir = tokenDir(label);
            if (!Files.exists(dir)) {
                throw new StoreException("no token labelled '" + label + "' in " + root);
            }
            // token.json goes first: a crash part-way leaves no token rather than a token missing keys.
            Files.deleteIfExists(dir.resolve("token.json"));
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            fsyncDir(dir.getParent());
        });
    }

    // ---- keys ----

    /** Stores a key record under a token; refuses a duplicate id or a label already used in that token. */
    public void addKey(String tokenLabel, KeyRecord key) throws StoreException {
        withLock(() -> {
            requireToken(tokenLabel);
            Path f = keyFile(tokenLabel, key.id());
            if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                throw new StoreException("key id " + key.id() + " already exists in token '" + tokenLabel + "'");
            }
            for (KeyRecord k : keys(tokenLabel)) {
                if (k.label().equals(key.label())) {
                    throw new StoreException("token '" + tokenLabel + "' already has a key labelled '" + key.label()
                            + "'; choose another label");
                }
            }
            mkdirs(keysDir(tokenLabel));
            writeAtomic(f, files.bytes(key));
        });
    }

    /** The token's keys whose files read well, oldest first; damaged ones are skipped (see {@link #listKeys}). */
    public List<KeyRecord> keys(String tokenLabel) throws StoreException {
        return listKeys(tokenLabel).records();
    }

    /**
     * The token's keys whose files read well, oldest first, and the key files that do not. Temporary
     * files of an interrupted write (".….tmp") are not key files and are left to {@link StoreCheck}.
     */
    public StoreListing<KeyRecord> listKeys(String tokenLabel) throws StoreException {
        Names.checkLabel(tokenLabel, "token label");
        List<KeyRecord> out = new ArrayList<>();
        List<DamagedFile> damaged = new ArrayList<>();
        Listed listed = list(keysDir(tokenLabel));
        listed.damage().ifPresent(damaged::add);
        for (Path f : listed.entries()) {
            String n = f.getFileName().toString();
            if (n.endsWith(".json") && !n.startsWith(".")) {
                try {
                    out.add(files.key(f, n.substring(0, n.length() - ".json".length())));
                } catch (DamagedFileException e) {
                    damaged.add(e.damage());
                }
            }
        }
        out.sort(Comparator.comparing(KeyRecord::created, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(KeyRecord::label));
        damaged.sort(Comparator.comparing(DamagedFile::file));
        return new StoreListing<>(out, damaged);
    }

    public Optional<KeyRecord> keyByLabel(String tokenLabel, String keyLabel) throws StoreException {
        return keys(tokenLabel).stream().filter(k -> k.label().equals(keyLabel)).findFirst();
    }

    public void deleteKey(String tokenLabel, String keyId) throws StoreException {
        withLock(() -> {
            Path f = keysDir(tokenLabel).resolve(keyId + ".json");
            if (!Files.deleteIfExists(f)) {
                throw new StoreException("token '" + tokenLabel + "' has no key with id " + keyId);
            }
            fsyncDir(f.getParent());
        });
    }

    // ---- what the TPM may hold of ours ----

    /**
     * The Names of the TPM objects this store proves are its own: each token's storage key (as recorded), its two
     * seals and its keys. A killed tpmssh may have left any of them loaded; these, and nothing else, are what the
     * next one may flush (docs/tpm-layer.md, "Leftovers"). Files that do not read prove nothing and are skipped.
     */
    public OwnNames tpmNames() throws StoreException {
        List<byte[]> names = new ArrayList<>();
        for (TokenRecord t : tokens()) {
            names.add(t.parentName());
            for (TokenRecord.Seal seal : new TokenRecord.Seal[] {t.userSeal(), t.soSeal()}) {
                if (seal != null) {
                    names.add(nameOf(seal.publicArea()));
                }
            }
            for (KeyRecord k : keys(t.label())) {
                names.add(nameOf(k.publicArea()));
            }
        }
        return OwnNames.of(names);
    }

    private static byte[] nameOf(byte[] publicArea) {
        try {
            return TpmtPublic.fromBytes(publicArea).name();
        } catch (TpmFormatException e) {
            return null;
        }
    }

    // ---- files ----

    private Path tokenDir(String label) {
        Names.checkLabel(label, "token label");
        return root.resolve("tokens").resolve(label);
    }

    private Path keysDir(String label) {
        return tokenDir(label).resolve("keys");
    }

    /** A directory's entries, or why it could not be listed (a missing directory has no entries). */
    private record Listed(List<Path> entries, Optional<DamagedFile> damage) {
    }

    private static Listed list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(out::add);
        } catch (NoSuchFileException e) {
            return new Listed(out, Optional.empty());
        } catch (NotDirectoryException e) {
            return new Listed(List.of(), Optional.of(new DamagedFile(dir, "is a file where a directory should be")));
        } catch (AccessDeniedException e) {
            return new Listed(List.of(), Optional.of(new DamagedFile(dir, "cannot be listed: permission denied")));
        } catch (IOException e) {
            return new Listed(List.of(), Optional.of(new DamagedFile(dir, "cannot be listed: " + e.getMessage())));
        }
        out.sort(Comparator.naturalOrder());
        return new Listed(out, Optional.empty());
    }

    /** Temp file in the same directory, fsync, atomic rename, fsync the directory. */
    private static void writeAtomic(Path target, byte[] content) throws IOException {
        Path dir = target.getParent();
        FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(FILE_MODE);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", mode);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system under " + dir + " cannot rename atomically; put the store"
                        + " on a local file system", e);
            }
            done = true;
            fsyncDir(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static void mkdirs(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        if (dir.getParent() != null) {
            mkdirs(dir.getParent());
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (FileAlreadyExistsException e) {
            return;
        }
        Files.setPosixFilePermissions(dir, DIR_MODE); // the umask may have narrowed or kept bits
    }

    private interface Locked {
        void run() throws IOException, StoreException;
    }

    private void withLock(Locked work) throws StoreException {
        withLock(false, work);
    }

    /** Runs {@code work} under the store lock; only {@code create} makes the store directory when it is missing. */
    private void withLock(boolean create, Locked work) throws StoreException {
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(root, p -> new ReentrantLock());
        jvm.lock();
        try {
            if (jvm.getHoldCount() > 1) {
                work.run(); // re-entered from inside a locked operation
                return;
            }
            if (!Files.isDirectory(root)) {
                if (!create) {
                    throw new StoreException("there is no token store in " + root + "; create a token with `tpmssh"
                            + " token init`");
                }
                mkdirs(root);
            }
            Path lockFile = root.resolve("store.lock");
            try (FileChannel ch = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(FILE_MODE)); FileLock lock = ch.lock()) {
                work.run();
            }
        } catch (IOException e) {
            throw new StoreException("cannot update the store in " + root + ": " + e.getMessage(), e);
        } finally {
            jvm.unlock();
        }
    }
}
