package org.tpmssh.stack.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
    private final ObjectMapper json = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private TokenStore(Path root) {
        this.root = root;
    }

    /** Opens the store in {@code dir}, creating it (mode 0700) and its store.json if absent. */
    public static TokenStore open(Path dir) throws StoreException {
        TokenStore s = new TokenStore(dir.toAbsolutePath().normalize());
        s.withLock(() -> {
            mkdirs(s.root);
            mkdirs(s.root.resolve("tokens"));
            Path meta = s.root.resolve("store.json");
            if (!Files.exists(meta)) {
                ObjectNode n = s.json.createObjectNode();
                n.put("format", FORMAT);
                n.put("version", FIRST_VERSION);
                s.writeAtomic(meta, s.json.writeValueAsBytes(n));
            }
            return null;
        });
        s.checkFormat();
        return s;
    }

    public Path root() {
        return root;
    }

    /** The store's format version, checked: one this tpmssh reads. */
    private int checkFormat() throws StoreException {
        Path meta = root.resolve("store.json");
        JsonNode n = read(meta, JsonNode.class);
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
     */
    private void requireVersion(int needed) throws IOException, StoreException {
        if (checkFormat() >= needed) {
            return;
        }
        ObjectNode n = json.createObjectNode();
        n.put("format", FORMAT);
        n.put("version", needed);
        writeAtomic(root.resolve("store.json"), json.writeValueAsBytes(n));
    }

    // ---- tokens ----

    public List<TokenRecord> tokens() throws StoreException {
        List<TokenRecord> out = new ArrayList<>();
        for (Path d : list(root.resolve("tokens"))) {
            Path f = d.resolve("token.json");
            if (Files.isRegularFile(f)) {
                out.add(read(f, TokenRecord.class));
            }
        }
        out.sort(Comparator.comparing(TokenRecord::label));
        return out;
    }

    public Optional<TokenRecord> token(String label) throws StoreException {
        Names.checkLabel(label, "token label");
        Path f = tokenDir(label).resolve("token.json");
        return Files.isRegularFile(f) ? Optional.of(read(f, TokenRecord.class)) : Optional.empty();
    }

    public TokenRecord requireToken(String label) throws StoreException {
        return token(label).orElseThrow(() -> new StoreException("no token labelled '" + label + "' in " + root
                + "; list them with `tpmssh token list`"));
    }

    /** Adds a new token; refuses a label already in use. */
    public void addToken(TokenRecord t) throws StoreException {
        withLock(() -> {
            Path dir = tokenDir(t.label());
            if (Files.exists(dir.resolve("token.json"))) {
                throw new StoreException("a token labelled '" + t.label() + "' already exists in " + root
                        + "; choose another label or delete it first");
            }
            requireVersion(t.parent().storeVersion());
            mkdirs(dir);
            mkdirs(dir.resolve("keys"));
            writeAtomic(dir.resolve("token.json"), json.writeValueAsBytes(t));
            return null;
        });
    }

    /** Replaces an existing token's record (new seals after a PIN change), atomically. */
    public void replaceToken(TokenRecord t) throws StoreException {
        withLock(() -> {
            Path f = tokenDir(t.label()).resolve("token.json");
            if (!Files.exists(f)) {
                throw new StoreException("no token labelled '" + t.label() + "' in " + root);
            }
            writeAtomic(f, json.writeValueAsBytes(t));
            return null;
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
            return null;
        });
    }

    // ---- keys ----

    /** Stores a key record under a token; refuses a duplicate id or a label already used in that token. */
    public void addKey(String tokenLabel, KeyRecord key) throws StoreException {
        withLock(() -> {
            requireToken(tokenLabel);
            Path f = keysDir(tokenLabel).resolve(key.id() + ".json");
            if (Files.exists(f)) {
                throw new StoreException("key id " + key.id() + " already exists in token '" + tokenLabel + "'");
            }
            for (KeyRecord k : keys(tokenLabel)) {
                if (k.label().equals(key.label())) {
                    throw new StoreException("token '" + tokenLabel + "' already has a key labelled '" + key.label()
                            + "'; choose another label or delete that key first");
                }
            }
            mkdirs(keysDir(tokenLabel));
            writeAtomic(f, json.writeValueAsBytes(key));
            return null;
        });
    }

    public List<KeyRecord> keys(String tokenLabel) throws StoreException {
        Names.checkLabel(tokenLabel, "token label");
        List<KeyRecord> out = new ArrayList<>();
        for (Path f : list(keysDir(tokenLabel))) {
            String n = f.getFileName().toString();
            if (n.endsWith(".json") && !n.startsWith(".")) {
                out.add(read(f, KeyRecord.class));
            }
        }
        out.sort(Comparator.comparing(KeyRecord::created).thenComparing(KeyRecord::label));
        return out;
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
            return null;
        });
    }

    // ---- files ----

    private Path tokenDir(String label) {
        Names.checkLabel(label, "token label");
        return root.resolve("tokens").resolve(label);
    }

    private Path keysDir(String label) {
        return tokenDir(label).resolve("keys");
    }

    private static List<Path> list(Path dir) throws StoreException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(out::add);
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            throw new StoreException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private <T> T read(Path f, Class<T> type) throws StoreException {
        try {
            return json.readValue(Files.readAllBytes(f), type);
        } catch (JsonProcessingException e) {
            String why = e.getOriginalMessage();
            Throwable c = e.getCause();
            if (c instanceof IllegalArgumentException) {
                why = c.getMessage();
            }
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new StoreException(f + " is malformed" + (line > 0 ? " at line " + line : "") + ": " + why
                    + ". Restore it from a backup or delete that token", null);
        } catch (NoSuchFileException e) {
            throw new StoreException(f + " is missing", null);
        } catch (IOException e) {
            throw new StoreException("cannot read " + f + ": " + e.getMessage(), e);
        }
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

    private interface Locked<T> {
        T run() throws IOException, StoreException;
    }

    private <T> T withLock(Locked<T> work) throws StoreException {
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(root, p -> new ReentrantLock());
        jvm.lock();
        try {
            if (jvm.getHoldCount() > 1) {
                return work.run(); // re-entered from inside a locked operation
            }
            mkdirs(root);
            Path lockFile = root.resolve("store.lock");
            try (FileChannel ch = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(FILE_MODE)); FileLock lock = ch.lock()) {
                return work.run();
            }
        } catch (IOException e) {
            throw new StoreException("cannot update the store in " + root + ": " + e.getMessage(), e);
        } finally {
            jvm.unlock();
        }
    }
}
