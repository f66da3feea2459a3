package org.tpmssh.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The harness's packages climb one way: each may use the ones listed before it, never one after it. */
class PackageLayersTest {
    /** Lowest first. A new package goes where its imports put it. */
    static final List<String> LAYERS = List.of("wire", "lab", "backends", "latency", "stacks", "tpm2pkcs11", "matrix");
    private static final Path SOURCES = Path.of("src/main/java/org/tpmssh/harness");
    private static final Pattern REFERENCE = Pattern.compile("org\\.tpmssh\\.harness\\.(\\w+)");

    @Test
    @DisplayName("no harness class refers to a package above its own")
    void noReferenceUpwards() throws IOException {
        List<String> upwards = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SOURCES)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(files).as("harness sources under %s", SOURCES.toAbsolutePath()).hasSizeGreaterThan(20);
        for (Path file : files) {
            String own = SOURCES.relativize(file).getName(0).toString();
            assertThat(LAYERS).as("%s is in a package the layer list places", file).contains(own);
            Matcher m = REFERENCE.matcher(Files.readString(file));
            while (m.find()) {
                String used = m.group(1);
                assertThat(LAYERS).as("%s refers to org.tpmssh.harness.%s", file, used).contains(used);
                if (LAYERS.indexOf(used) > LAYERS.indexOf(own)) {
                    upwards.add(SOURCES.relativize(file) + " -> " + used);
                }
            }
        }
        assertThat(upwards).as("references from a lower harness package to a higher one").isEmpty();
    }
}
