package org.tpmssh.stack.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Looks at every file of a token store, changing nothing, and says for each one that is not sound
 * what is wrong and what can still be recovered from it; optionally it also loads every blob into
 * the TPM. The recovery steps it refers to are in docs/SECURITY.md ("Recovering from damaged files").
 */
public final class StoreCheck {
    private static final Pattern TEMPORARY = Pattern.compile("\\.(.+)\\.[0-9]+\\.tmp");
    private static final String GUIDE = "docs/SECURITY.md, \"Recovering from damaged files\"";

    /** How much a finding matters: DAMAGED makes the check fail; a NOTE is worth knowing and harms nothing. */
    public enum Severity {
        DAMAGED, NOTE
    }

    /**
     * One thing found.
     *
     * @param problem  what is wrong, phrased to follow the path
     * @param recovery what can be recovered and how, one sentence; empty when there is nothing to say
     */
    public record Finding(Severity severity, Path file, String problem, String recovery) {
        public String message() {
            return file + " " + problem;
        }
    }

    /** A token whose token.json reads well, with the count of its key files that read well and that do not. */
    public record TokenSummary(TokenRecord token, int keys, int damagedKeys) {
    }

    /** What {@link #files} found. */
    public record Report(Path root, List<TokenSummary> tokens, List<Finding> findings) {
        public Report {
            tokens = List.copyOf(tokens);
            findings = List.copyOf(findings);
        }

        public boolean damaged() {
            return findings.stream().anyMatch(f -> f.severity() == Severity.DAMAGED);
        }
    }

    private final TokenStore store;
    private final RecordFiles files = new RecordFiles();
    private final List<Finding> findings = new ArrayList<>();

    private StoreCheck(TokenStore store) {
        this.store = store;
    }

    /** Reads every file of {@code store}; needs no TPM and writes nothing. */
    public static Report files(TokenStore store) throws StoreException {
        return new StoreCheck(store).run();
    }

    private Report run() throws StoreException {
        Path root = store.root();
        List<TokenSummary> tokens = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return new Report(root, tokens, findings);
        }
        StoreListing<TokenRecord> listing = store.listTokens();
        for (DamagedFile d : listing.damaged()) {
            if (d.file().equals(root.resolve("store.json"))) {
                damaged(d, "Recoverable: store.json holds nothing but {\"format\": \"tpmssh-store\", \"version\": 1};"
                        + " written again with that line, the store is whole");
            }
        }
        for (Path entry : entries(root.resolve("tokens"))) {
            String name = entry.getFileName().toString();
            if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) || !Names.isLabel(name)) {
                note(entry, "is not a token directory; tpmssh does not use it", "");
                continue;
            }
            checkToken(entry, name, listing).ifPresent(tokens::add);
        }
        listing.damaged().stream().filter(d -> d.file().equals(root.resolve("tokens")))
                .forEach(d -> damaged(d, "Its tokens cannot be found until it is a directory again"));
        findings.sort(Comparator.comparing(Finding::file));
        return new Report(root, tokens, findings);
    }

    private Optional<TokenSummary> checkToken(Path dir, String label, StoreListing<TokenRecord> listing)
            throws StoreException {
        StoreListing<KeyRecord> keys = store.listKeys(label);
        for (DamagedFile d : keys.damaged()) {
            if (newer(salvage(d.file()))) {
                findings.add(new Finding(Severity.NOTE, d.file(), d.problem(), "Use the newer tpmssh that wrote it;"
                        + " this one leaves the key alone"));
            } else {
                damaged(d, keyRecovery(d.file()));
            }
        }
        temporaries(dir, label);
        temporaries(dir.resolve("keys"), label);
        Path tokenFile = dir.resolve("token.json");
        Optional<TokenRecord> token = listing.records().stream().filter(t -> t.label().equals(label)).findFirst();
        if (token.isPresent()) {
            return Optional.of(new TokenSummary(token.get(), keys.records().size(), keys.damaged().size()));
        }
        Optional<DamagedFile> damage = listing.damaged().stream().filter(d -> d.file().equals(tokenFile)).findFirst();
        if (damage.isPresent()) {
            if (newer(salvage(tokenFile))) {
                findings.add(new Finding(Severity.NOTE, tokenFile, damage.get().problem(),
                        "Use the newer tpmssh that wrote it; this one leaves the token alone"));
            } else {
                damaged(damage.get(), tokenRecovery(tokenFile, salvage(tokenFile), keys));
            }
        } else if (keys.records().isEmpty() && keys.damaged().isEmpty()) {
            note(dir, "holds no token.json and no keys (left by an interrupted `token init` or `token delete`);"
                    + " tpmssh does not use it", "");
        } else {
            findings.add(new Finding(Severity.DAMAGED, dir, "holds " + count(keys.records().size(), "key file")
                    + " but no token.json (left by an interrupted `token delete`, or token.json was lost)",
                    orphanRecovery(keys.records())));
        }
        return Optional.empty();
    }

    /** Temporary files an interrupted atomic write leaves: ".NAME.RANDOM.tmp" beside NAME. */
    private void temporaries(Path dir, String label) {
        for (Path tmp : entries(dir)) {
            Matcher m = TEMPORARY.matcher(tmp.getFileName().toString());
            if (!m.matches()) {
                continue;
            }
            Path target = dir.resolve(m.group(1));
            boolean isToken = m.group(1).equals("token.json");
            String what = isToken ? "token '" + label + "'" : "key";
            try {
                if (isToken) {
                    files.token(tmp, label);
                } else if (m.group(1).endsWith(".json")) {
                    String id = m.group(1).substring(0, m.group(1).length() - ".json".length());
                    what = "key '" + files.key(tmp, id).label() + "'";
                } else {
                    throw RecordFiles.damaged(tmp, "is not a record");
                }
            } catch (DamagedFileException incomplete) {
                note(tmp, "is an incomplete temporary file of an interrupted write; tpmssh does not use it", "");
                continue;
            }
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                note(tmp, "holds a complete record of " + what + " that an interrupted write never put in place",
                        "Renamed to " + target.getFileName() + ", it joins the store (tpmssh never does this on its"
                                + " own)");
            } else if (sound(target, label, isToken)) {
                note(tmp, "is a newer copy of " + target.getFileName() + " that an interrupted write (e.g. a PIN"
                        + " change) never put in place; " + target.getFileName() + " itself is intact and in use", "");
            } else {
                note(tmp, "holds a complete record of " + what + " whose file " + target.getFileName() + " is damaged",
                        "Renamed to " + target.getFileName() + ", it recovers " + what + (isToken ? " (with the PINs"
                                + " of the change that was interrupted)" : ""));
            }
        }
    }

    private boolean sound(Path file, String label, boolean isToken) {
        try {
            if (isToken) {
                files.token(file, label);
            } else {
                String n = file.getFileName().toString();
                files.key(file, n.substring(0, n.length() - ".json".length()));
            }
            return true;
        } catch (DamagedFileException e) {
            return false;
        }
    }

    // ---- what can be recovered ----

    private String keyRecovery(Path file) {
        if (Files.exists(file) && !Files.isDirectory(file) && !Files.isReadable(file)) {
            return "Recoverable: its content was not read; let its owner make it readable (chmod 600) and check again";
        }
        ObjectNode n = salvage(file);
        if (publicArea(n.get("publicArea")) && bytes(n.get("privateBlob")).length > 0) {
            return "Recoverable: its public area and private blob survive, so the key itself is not lost; the file"
                    + " can be written again around them (" + GUIDE + ")";
        }
        return "Not recoverable from this file: its private blob is gone and the TPM keeps no copy. A TSS2 file"
                + " saved with `tpmssh key export` brings a PIN-less key back with `tpmssh key add-file`; otherwise"
                + " make a new key and authorize its public key where this one was";
    }

    private String tokenRecovery(Path file, ObjectNode n, StoreListing<KeyRecord> keys) {
        if (Files.exists(file) && !Files.isDirectory(file) && !Files.isReadable(file)) {
            return "Recoverable: its content was not read; let its owner make it readable (chmod 600) and check again";
        }
        long pinKeys = keys.records().stream().filter(k -> !k.pinless()).count();
        long pinless = keys.records().size() - pinKeys;
        boolean pinToken = pinKeys > 0 || n.has("salt") || n.has("userSeal") || n.has("soSeal")
                || (n.has("pinless") && !n.get("pinless").asBoolean(true));
        if (!pinToken) {
            return "Recoverable: a PIN-less token.json holds no secret, so written again as a PIN-less token ("
                    + GUIDE + ") it " + (keys.records().isEmpty() ? "is usable again; it has no keys to lose"
                            : "brings back its " + count(keys.records().size(), "key"));
        }
        boolean salt = bytes(n.get("salt")).length > 0;
        boolean user = seal(n.get("userSeal"));
        boolean so = seal(n.get("soSeal"));
        if (salt && user && so) {
            return "Recoverable: its salt and both seals survive, so the token secret is not lost; the file can be"
                    + " written again around them (" + GUIDE + ")";
        }
        if (salt && (user || so)) {
            return "Recoverable with the " + (user ? "user" : "SO") + " PIN only: its salt and the " + (user ? "user"
                    : "SO") + " seal survive (" + GUIDE + ")";
        }
        return "Not recoverable: the token's seal is gone, so nothing can unlock the token secret its "
                + count(pinKeys, "PIN key") + " need; those keys cannot be used again. "
                + (pinless > 0 ? "Its " + count(pinless, "PIN-less key") + (pinless == 1 ? " still loads" : " still load")
                        + " and can move to a PIN-less token (" + GUIDE + ")" : "It has no PIN-less keys");
    }

    private static String orphanRecovery(List<KeyRecord> keys) {
        long pinKeys = keys.stream().filter(k -> !k.pinless()).count();
        long pinless = keys.size() - pinKeys;
        return (pinless > 0 ? "Its " + count(pinless, "PIN-less key") + (pinless == 1 ? " still loads" : " still load")
                + " and can move to a PIN-less token (" + GUIDE + ")" : "It has no PIN-less keys")
                + (pinKeys > 0 ? "; its " + count(pinKeys, "PIN key") + " cannot be unlocked without the token's seal"
                        : "");
    }

    private static boolean newer(ObjectNode n) {
        JsonNode v = n.get("version");
        return v != null && v.canConvertToInt() && v.asInt() > RecordFiles.RECORD_VERSION;
    }

    private static boolean seal(JsonNode n) {
        return n != null && publicArea(n.get("publicArea")) && bytes(n.get("privateBlob")).length > 0;
    }

    private static boolean publicArea(JsonNode n) {
        try {
            TpmtPublic.fromBytes(bytes(n));
            return true;
        } catch (TpmException | RuntimeException e) {
            return false;
        }
    }

    private static byte[] bytes(JsonNode n) {
        if (n == null || !n.isTextual()) {
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(n.asText());
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    /**
     * The fields of {@code file} that parse before the first error: whole string, number and
     * boolean values and the objects holding them, never a value cut in the middle.
     */
    static ObjectNode salvage(Path file) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            return root;
        }
        Deque<ObjectNode> open = new ArrayDeque<>();
        try (JsonParser p = new JsonFactory().createParser(Files.readAllBytes(file))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return root;
            }
            open.push(root);
            String field = null;
            JsonToken t;
            while ((t = p.nextToken()) != null && !open.isEmpty()) {
                ObjectNode here = open.peek();
                switch (t) {
                    case FIELD_NAME -> field = p.currentName();
                    case START_OBJECT -> open.push(here.putObject(field));
                    case END_OBJECT -> open.pop();
                    case VALUE_STRING -> here.put(field, p.getText());
                    case VALUE_NUMBER_INT -> here.put(field, p.getLongValue());
                    case VALUE_TRUE, VALUE_FALSE -> here.put(field, t == JsonToken.VALUE_TRUE);
                    case START_ARRAY -> p.skipChildren();
                    default -> {
                        // null and other values carry nothing to recover
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // what was read before the damage is kept
        }
        return root;
    }

    // ---- loading every blob ----

    /**
     * Loads every seal and key blob of {@code tokens} (each made under {@code ring}'s storage key)
     * into the TPM and flushes it again, so that a blob damaged inside a well-formed file is found.
     * A token whose recorded storage key differs from this TPM's is noted, not loaded. Loading needs
     * no PIN and spends no dictionary-attack try.
     *
     * @return the findings; {@code loaded} receives the label of each token every blob of which loaded
     */
    public static List<Finding> loads(TokenStore store, KeyRing ring, List<TokenRecord> tokens,
            java.util.function.Consumer<String> loaded) throws StoreException, TpmException {
        List<Finding> out = new ArrayList<>();
        byte[] srkName = ring.srk().name();
        for (TokenRecord t : tokens) {
            Path tokenFile = store.tokenFile(t.label());
            if (t.parentName() != null && !Arrays.equals(t.parentName(), srkName)) {
                out.add(new Finding(Severity.NOTE, tokenFile, "belongs to another TPM (its storage key's Name differs"
                        + " here), so its blobs were not loaded", "Check it with --tcti naming the TPM that made it"));
                continue;
            }
            List<Blob> blobs = new ArrayList<>();
            if (t.userSeal() != null) {
                blobs.add(new Blob("the user PIN seal of token '" + t.label() + "'", tokenFile, t.userSeal().publicArea(),
                        t.userSeal().privateBlob()));
            }
            if (t.soSeal() != null) {
                blobs.add(new Blob("the SO PIN seal of token '" + t.label() + "'", tokenFile, t.soSeal().publicArea(),
                        t.soSeal().privateBlob()));
            }
            for (KeyRecord k : store.keys(t.label())) {
                blobs.add(new Blob("key '" + k.label() + "' of token '" + t.label() + "'", store.keyFile(t.label(),
                        k.id()), k.publicArea(), k.privateBlob()));
            }
            List<Finding> refused = new ArrayList<>();
            boolean anyLoaded = false;
            for (Blob b : blobs) {
                Optional<TpmResponseException> refusal = load(ring, b);
                if (refusal.isEmpty()) {
                    anyLoaded = true;
                    continue;
                }
                TpmResponseException e = refusal.get();
                boolean damaged = LoadRefusal.damagedHere(e, t, srkName);
                refused.add(new Finding(damaged ? Severity.DAMAGED : Severity.NOTE, b.file(), damaged
                        ? "holds a blob of " + b.what() + " that this TPM made but refuses to load (" + e.rcName()
                                + "): the blob is damaged"
                        : "holds a blob of " + b.what() + " that this TPM refuses to load (" + e.rcName() + "): it"
                                + " was made by another TPM, or the blob is damaged", damaged ? (b.what()
                                .startsWith("key") ? "Not recoverable from this file: the TPM keeps no copy of a key;"
                                + " a TSS2 file saved with `tpmssh key export` brings a PIN-less key back with"
                                + " `tpmssh key add-file`" : "The other seal of the token still opens it: reset the"
                                        + " PIN whose seal this is with the other one") : ""));
            }
            // Without a recorded Name, one blob that loads proves this is the token's TPM, so the others are damaged.
            if (t.parentName() == null && anyLoaded) {
                refused.replaceAll(f -> new Finding(Severity.DAMAGED, f.file(), f.problem().replace(
                        "it was made by another TPM, or the blob is damaged", "the token's other blobs load here, so"
                                + " this one is damaged"), f.recovery()));
            }
            out.addAll(refused);
            if (refused.isEmpty()) {
                loaded.accept(t.label());
            }
        }
        return out;
    }

    private record Blob(String what, Path file, byte[] publicArea, byte[] privateBlob) {
    }

    /** TPM2_Load then flush; the TPM's refusal, if it refused. Errors that are not about the blob propagate. */
    private static Optional<TpmResponseException> load(KeyRing ring, Blob b) throws TpmException {
        TpmObject probe = ring.register(b.privateBlob(), TpmtPublic.fromBytes(b.publicArea()), "check");
        try {
            ring.cache().use(probe, h -> h);
            return Optional.empty();
        } catch (TpmResponseException e) {
            if (!LoadRefusal.refusesBlob(e)) {
                throw e; // lockout, no room, a TPM warning: not something this blob did
            }
            return Optional.of(e);
        } finally {
            ring.cache().release(probe);
        }
    }

    // ---- helpers ----

    private void damaged(DamagedFile d, String recovery) {
        findings.add(new Finding(Severity.DAMAGED, d.file(), d.problem(), recovery));
    }

    private void note(Path file, String problem, String recovery) {
        findings.add(new Finding(Severity.NOTE, file, problem, recovery));
    }

    private static List<Path> entries(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            return out; // listKeys and listTokens report a directory that cannot be listed
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static String count(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
