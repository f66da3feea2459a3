package org.tpmssh.harness.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tpmssh.harness.wire.CommandDelay.Basis;

/**
 * The chip latency profiles in {@code chip-profiles.json}, next to this class: published benchmark figures
 * per chip (the file names its source) and the rules that map TPM commands to them.
 */
public final class ChipProfiles {
    static final String RESOURCE = "chip-profiles.json";
    /** The derived figure for a command without asymmetric crypto: one GetRandom(32) round trip. */
    static final String FLOOR = "commandFloor";
    /** wolfTPM's RNG benchmark asks for 32 bytes per TPM2_GetRandom and counts KiB. */
    private static final int GET_RANDOMS_PER_KIB = 1024 / 32;

    private static volatile ChipProfiles loaded;

    private final List<ChipProfile> chips;
    private final String source;

    private ChipProfiles(List<ChipProfile> chips, String source) {
        this.chips = List.copyOf(chips);
        this.source = source;
    }

    /** Every chip in the file, in file order. */
    public static List<ChipProfile> all() {
        return load().chips;
    }

    /** The chip with this id (e.g. {@code slb9670}); an unknown id is an error that lists the known ones. */
    public static ChipProfile named(String id) {
        for (ChipProfile c : all()) {
            if (c.id().equalsIgnoreCase(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown latency profile \"" + id + "\"; choose one of "
                + String.join(", ", all().stream().map(ChipProfile::id).toList()));
    }

    /** Where the figures come from, as the file states it (name, address and revision). */
    public static String source() {
        return load().source;
    }

    private static ChipProfiles load() {
        ChipProfiles p = loaded;
        if (p == null) {
            try (InputStream in = ChipProfiles.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the harness jar");
                }
                p = parse(new ObjectMapper().readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
            }
            loaded = p;
        }
        return p;
    }

    static ChipProfiles parse(JsonNode root) {
        JsonNode src = root.path("source");
        String source = src.path("name").asText() + ", " + src.path("url").asText() + " ("
                + src.path("revision").asText() + ")";
        Map<String, String> operationNames = new HashMap<>();
        root.path("operations").fields().forEachRemaining(e -> operationNames.put(e.getKey(), e.getValue().asText()));
        Map<String, ChipProfile.Rule> rules = new HashMap<>();
        for (JsonNode r : root.path("commands")) {
            Map<String, ChipProfile.Choice> branches = new LinkedHashMap<>();
            for (String branch : List.of("ecc", "rsa", "other")) {
                JsonNode c = r.get(branch);
                if (c != null) {
                    branches.put(branch, new ChipProfile.Choice(c.path("op").asText(),
                            Basis.valueOf(c.path("basis").asText().toUpperCase())));
                }
            }
            rules.put(r.path("command").asText(), new ChipProfile.Rule(r.path("command").asText(),
                    r.path("by").asText(), branches));
        }
        if (!rules.containsKey("*")) {
            throw new IllegalStateException(RESOURCE + " has no default rule for command '*'");
        }
        List<ChipProfile> chips = new ArrayList<>();
        for (JsonNode c : root.path("chips")) {
            Map<String, Double> ms = new HashMap<>();
            c.path("ms").fields().forEachRemaining(e -> ms.put(e.getKey(), e.getValue().asDouble()));
            JsonNode rng = c.path("rng");
            ms.put(FLOOR, rng.path("seconds").asDouble() * 1000 / (rng.path("kib").asDouble() * GET_RANDOMS_PER_KIB));
            ChipProfile chip = new ChipProfile(c.path("id").asText(), c.path("name").asText(), c.path("bus").asText(),
                    ms, operationNames, rules);
            for (ChipProfile.Rule rule : rules.values()) {
                rule.branches().values().forEach(choice -> chip.figure(choice.op())); // every rule resolves
            }
            chips.add(chip);
        }
        return new ChipProfiles(chips, source);
    }
}
