package org.tpmssh.harness.backends;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tpmssh.axes.Backend;

/**
 * The shell side of the container backends agrees with the axis: scripts/images/build.sh builds by default the
 * images of the {@code container} family, and ./tpmssh asks it for the image of each container backend named.
 * Reads the real scripts and runs ./tpmssh's function in bash; needs no Docker.
 */
class ImageScriptsTest {
    private static final Path ROOT = Path.of("..");

    @Test
    @DisplayName("build.sh's default images are those of --backend container, in the axis's order")
    void buildScriptDefaultsAreTheContainerFamily() throws Exception {
        Matcher m = Pattern.compile("(?m)^DEFAULT_RELEASES=\\(([^)]*)\\)$")
                .matcher(Files.readString(ROOT.resolve(ContainerSwtpm.BUILD_SCRIPT)));
        assertThat(m.find()).as("build.sh declares DEFAULT_RELEASES").isTrue();
        List<String> family = Arrays.stream(Backend.values())
                .filter(b -> b.family().filter(Backend.CONTAINER_FAMILY::equals).isPresent())
                .map(b -> b.image().orElseThrow()).toList();
        assertThat(Arrays.asList(m.group(1).trim().split("\\s+"))).isEqualTo(family).containsExactly("host", "testing");
    }

    @Test
    @DisplayName("./tpmssh conformance asks build.sh for the images of the container backends it is given")
    void launcherAsksForTheImagesOfTheNamedBackends() throws Exception {
        assertThat(containerImages("conformance", "--backend", "container")).containsExactly("default");
        assertThat(containerImages("conformance", "--backend=swtpm-tcp,container-trixie,container-host"))
                .containsExactly("trixie", "host");
        assertThat(containerImages("conformance", "--backend", "all")).containsExactly("default");
        assertThat(containerImages("conformance", "--backend", "swtpm-tcp")).isEmpty();
        assertThat(containerImages("conformance")).as("the default backend is swtpm-tcp").isEmpty();
        assertThat(containerImages("token", "--backend", "container")).as("only conformance runs backends").isEmpty();
        for (Backend b : Backend.values()) {
            if (b.image().isPresent()) {
                assertThat(containerImages("conformance", "--backend", b.label())).as(b.label())
                        .containsExactly(b.image().get());
            }
        }
    }

    /** What ./tpmssh's container_images prints for {@code args}, one build.sh argument a line. */
    private static List<String> containerImages(String... args) throws Exception {
        String script = "eval \"$(sed -n '/^container_images()/,/^}/p' \"$0\")\"; container_images \"$@\"";
        List<String> command = new java.util.ArrayList<>(List.of("bash", "-c", script,
                ROOT.resolve("tpmssh").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }
}
