package org.tpmssh.stack.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Turns token.json and key files into records, or says in one phrase why a file is not a sound
 * record ({@link DamagedFile}). It only reads: what it judges damaged stays exactly as it was.
 * The field table is written by hand because the records are small and Jackson alone would
 * silently read a missing {@code "pinless"} as false.
 */
final class RecordFiles {
    /** The record format this tpmssh writes into every token.json and key file; files without one are 1. */
    static final int RECORD_VERSION = 1;

    private static final Map<String, JsonNodeType> TOKEN_FIELDS = fields("label", JsonNodeType.STRING,
            "pinless", JsonNodeType.BOOLEAN, "parent", JsonNodeType.STRING);
    private static final Map<String, JsonNodeType> TOKEN_OPTIONAL = fields("salt", JsonNodeType.STRING,
            "userSeal", JsonNodeType.OBJECT, "soSeal", JsonNodeType.OBJECT, "created", JsonNodeType.STRING,
            "parentName", JsonNodeType.STRING);
    private static final Map<String, JsonNodeType> KEY_FIELDS = fields("id", JsonNodeType.STRING,
            "label", JsonNodeType.STRING, "algorithm", JsonNodeType.STRING, "origin", JsonNodeType.STRING,
            "pinless", JsonNodeType.BOOLEAN, "parent", JsonNodeType.STRING, "publicArea", JsonNodeType.STRING,
            "privateBlob", JsonNodeType.STRING);
    private static final Map<String, JsonNodeType> KEY_OPTIONAL = fields("comment", JsonNodeType.STRING,
            "created", JsonNodeType.STRING);

    private final ObjectMapper json = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    ObjectMapper mapper() {
        return json;
    }

    /** A record as the bytes of its file: the record version first, then the record's fields. */
    byte[] bytes(Object record) throws JsonProcessingException {
        ObjectNode n = json.createObjectNode();
        n.put("version", RECORD_VERSION);
        n.setAll((ObjectNode) json.valueToTree(record));
        return json.writeValueAsBytes(n);
    }

    /** The token in {@code file}, which must be the token.json of the directory named {@code label}. */
    TokenRecord token(Path file, String label) throws DamagedFileException {
        TokenRecord t = record(file, TokenRecord.class, TOKEN_FIELDS, TOKEN_OPTIONAL);
        if (!t.label().equals(label)) {
            throw damaged(file, "holds token '" + t.label() + "', not token '" + label + "' that its directory names");
        }
        if (t.userSeal() != null) {
            checkSeal(file, "userSeal", t.userSeal());
        }
        if (t.soSeal() != null) {
            checkSeal(file, "soSeal", t.soSeal());
        }
        return t;
    }

    /** A seal is as sound as a key must be: a TPM public area and a private blob that is not empty. */
    private static void checkSeal(Path file, String field, TokenRecord.Seal seal) throws DamagedFileException {
        checkPublicArea(file, field, seal.publicArea());
        if (seal.privateBlob().length == 0) {
            throw damaged(file, "has an empty \"" + field + "\" private blob");
        }
    }

    /** The key in {@code file}, which must be named {@code id}.json. */
    KeyRecord key(Path file, String id) throws DamagedFileException {
        KeyRecord k = record(file, KeyRecord.class, KEY_FIELDS, KEY_OPTIONAL);
        if (!k.id().equals(id)) {
            throw damaged(file, "holds key id " + k.id() + ", not the id " + id + " its file name gives");
        }
        checkPublicArea(file, "publicArea", k.publicArea());
        if (k.privateBlob().length == 0) {
            throw damaged(file, "has an empty \"privateBlob\"");
        }
        return k;
    }

    /** The file as a {@code type}, once its version, fields and their JSON types are as they must be. */
    private <T> T record(Path file, Class<T> type, Map<String, JsonNodeType> required,
            Map<String, JsonNodeType> optional) throws DamagedFileException {
        JsonNode n = versioned(file);
        checkFields(file, n, required, optional);
        return convert(file, n, type);
    }

    /** The file as a JSON object whose record version this tpmssh reads. */
    JsonNode versioned(Path file) throws DamagedFileException {
        JsonNode n = tree(file);
        JsonNode v = n.get("version");
        if (v != null) {
            if (!v.canConvertToInt() || !v.isIntegralNumber()) {
                throw damaged(file, "has a \"version\" that is not a whole number");
            }
            if (v.asInt() > RECORD_VERSION) {
                throw damaged(file, "was written by a newer tpmssh (record version " + v.asInt() + "; this one reads"
                        + " version " + RECORD_VERSION + "), so this one does not use it");
            }
            if (v.asInt() < 1) {
                throw damaged(file, "has an unknown record version " + v.asInt());
            }
        }
        return n;
    }

    /** The file parsed as a JSON object, or the reason it cannot be. */
    JsonNode tree(Path file) throws DamagedFileException {
        if (Files.isDirectory(file)) {
            throw damaged(file, "is a directory where a file should be");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw damaged(file, "cannot be read: permission denied");
        } catch (IOException e) {
            throw damaged(file, "cannot be read: " + e.getMessage());
        }
        if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            throw damaged(file, "is empty");
        }
        JsonNode n;
        try {
            n = json.readTree(bytes);
        } catch (IOException e) {
            if (endsEarly(e, bytes)) {
                throw damaged(file, "is cut short: its JSON ends early" + where(e));
            }
            throw damaged(file, "is not valid JSON" + where(e) + ": " + firstLine(originalMessage(e)));
        }
        if (n == null || !n.isObject()) {
            throw damaged(file, "is not a JSON object");
        }
        return n;
    }

    private static void checkFields(Path file, JsonNode n, Map<String, JsonNodeType> required,
            Map<String, JsonNodeType> optional) throws DamagedFileException {
        for (Map.Entry<String, JsonNodeType> f : required.entrySet()) {
            JsonNode v = n.get(f.getKey());
            if (v == null || v.isNull()) {
                throw damaged(file, "lacks its \"" + f.getKey() + "\" field");
            }
            checkType(file, f.getKey(), v, f.getValue());
        }
        for (Map.Entry<String, JsonNodeType> f : optional.entrySet()) {
            JsonNode v = n.get(f.getKey());
            if (v != null && !v.isNull()) {
                checkType(file, f.getKey(), v, f.getValue());
            }
        }
    }

    private static void checkType(Path file, String field, JsonNode v, JsonNodeType type) throws DamagedFileException {
        if (v.getNodeType() != type) {
            String expected = switch (type) {
                case BOOLEAN -> "true or false";
                case OBJECT -> "a JSON object";
                default -> "a string";
            };
            throw damaged(file, "has a \"" + field + "\" that is not " + expected);
        }
    }

    private <T> T convert(Path file, JsonNode n, Class<T> type) throws DamagedFileException {
        try {
            return json.treeToValue(n, type);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException) {
                throw damaged(file, "has a wrong field: " + cause.getMessage());
            }
            String field = e instanceof JsonMappingException m && !m.getPath().isEmpty()
                    ? m.getPath().get(m.getPath().size() - 1).getFieldName() : null;
            throw damaged(file, "has a wrong " + (field == null ? "field" : "\"" + field + "\" field") + ": "
                    + firstLine(originalMessage(e)));
        } catch (IllegalArgumentException e) {
            throw damaged(file, "has a wrong field: " + e.getMessage());
        }
    }

    private static void checkPublicArea(Path file, String field, byte[] area) throws DamagedFileException {
        try {
            TpmtPublic.fromBytes(area);
        } catch (TpmFormatException | RuntimeException e) {
            throw damaged(file, "has a \"" + field + "\" that is not a TPM public area (" + e.getMessage() + ")");
        }
    }

    static DamagedFileException damaged(Path file, String problem) {
        return new DamagedFileException(new DamagedFile(file, problem));
    }

    /**
     * The parser ran out of input, or stumbled only on the whitespace after the last real character
     * (a file cut inside a string, then given a newline): a file truncated, not one with a wrong
     * character in it.
     */
    private static boolean endsEarly(IOException io, byte[] bytes) {
        if (io instanceof JsonEOFException) {
            return true;
        }
        int end = bytes.length;
        while (end > 0 && Character.isWhitespace(bytes[end - 1])) {
            end--;
        }
        return io instanceof JsonProcessingException e && e.getLocation() != null
                && e.getLocation().getByteOffset() >= end;
    }

    private static String where(IOException io) {
        if (!(io instanceof JsonProcessingException e)) {
            return "";
        }
        return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
                : " (line " + e.getLocation().getLineNr() + ")";
    }

    private static String originalMessage(IOException e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static Map<String, JsonNodeType> fields(Object... nameThenType) {
        Map<String, JsonNodeType> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenType.length; i += 2) {
            m.put((String) nameThenType[i], (JsonNodeType) nameThenType[i + 1]);
        }
        return m;
    }
}
