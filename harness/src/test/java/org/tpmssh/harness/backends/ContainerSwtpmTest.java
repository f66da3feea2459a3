package org.tpmssh.harness.backends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.tpmssh.axes.Backend;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.harness.stacks.JavaStack;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;

/**
 * The container backend on every local tpmssh/swtpm image, through Testcontainers and no registry: a key of our
 * Java stack signs in the container's TPM and the JDK verifies it; the image's labels are checked against what
 * its swtpm says; and `docker ps -a` (the real CLI) shows no container left, after a pass, a failure midway, a
 * JVM that exits without closing, and a JVM that is killed.
 */
class ContainerSwtpmTest {
    private static final byte[] MESSAGE = "signed in a container".getBytes(StandardCharsets.UTF_8);
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(90);
    private static final Pattern CHILD_SAYS = Pattern.compile("container ([0-9a-f]{64})");

    @BeforeAll
    static void engine() {
        Optional<String> why = ContainerSwtpm.availability();
        assumeTrue(why.isEmpty(), () -> "container backend: " + why.orElse(""));
    }

    @AfterAll
    static void nothingOfThisJvmIsLeft() throws Exception {
        if (ContainerSwtpm.availability().isEmpty()) {
            assertThat(dockerPsA("label=" + ContainerSwtpm.OWNER_LABEL + "=" + ownerOfThisJvm())).isEmpty();
        }
    }

    static List<SwtpmImage> images() {
        return ContainerSwtpm.images();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    @DisplayName("each image's TPM signs with our stack, the JDK verifies, and the container is gone afterwards")
    void signsAndNamesItsVersions(SwtpmImage image) throws Exception {
        long started = System.nanoTime();
        ContainerSwtpm container = ContainerSwtpm.start(image);
        long startMillis = (System.nanoTime() - started) / 1_000_000;
        String id = container.containerId();
        try (TpmBackend backend = TpmBackend.open(
                TpmBackend.Launch.process(backendOf(image), container.tcti(), container), Backends.Config.none())) {
            assertThat(dockerPsA("id=" + id)).as("running while the backend is open").containsExactly(id);
            assertThat(backend.image()).as("the backend names its image, for the report").contains(image);
            assertThat(container.swtpmVersionLine()).as("the image's swtpm matches its label")
                    .contains("version " + upstream(image.swtpmVersion()) + ",");
            assertThat(backend.info().manufacturer()).as("libtpms reports IBM as the maker").isEqualTo("IBM");
            assertThat(backend.info().firmwareVersion()).matches("\\d+\\.\\d+\\.\\d+\\.\\d+")
                    .isNotEqualTo("0.0.0.0");

            StackAdapter.Key key = new JavaStack("container").createKey(backend, KeyType.ECC_P256, true, "container");
            try {
                KeyPair pair = key.keyPair(null);
                Signature signer = Signature.getInstance("SHA256withECDSA");
                signer.initSign(pair.getPrivate());
                signer.update(MESSAGE);
                byte[] signature = signer.sign();
                assertThat(jdkVerifies(pair, MESSAGE, signature)).as("SunEC verifies the TPM's signature").isTrue();
                assertThat(jdkVerifies(pair, "another message".getBytes(StandardCharsets.UTF_8), signature))
                        .as("and refuses it for another message").isFalse();
            } finally {
                key.close();
            }
            System.out.printf("%s: swtpm %s, libtpms %s (Debian %s); TPM %s firmware %s; started in %d ms%n",
                    image.name(), image.swtpmVersion(), image.libtpmsVersion(), image.debianRelease(),
                    backend.info().manufacturer(), backend.info().firmwareVersion(), startMillis);
        }
        assertThat(dockerPsA("id=" + id)).as("docker ps -a after close").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Backend.class, names = "CONTAINER_.*", mode = EnumSource.Mode.MATCH_ALL)
    @DisplayName("each container backend runs the image its build.sh argument made, or is skipped naming that command")
    void eachContainerBackendRunsItsImage(Backend backend) throws Exception {
        String source = backend.image().orElseThrow();
        Optional<String> why = Backends.unavailable(backend, Backends.Config.none());
        if (why.isPresent()) {
            assertThat(why.get()).as("the image is missing, so the reason says how to build it")
                    .endsWith("build it with scripts/images/build.sh " + source
                            + (source.equals(ContainerSwtpm.HOST) ? "" : " (as root, about a minute)"));
            assertThat(images()).noneMatch(i -> source.equals(i.source()));
            return;
        }
        try (TpmBackend started = Backends.start(backend, Backends.Config.none())) {
            SwtpmImage image = started.image().orElseThrow();
            assertThat(image.source()).isEqualTo(source);
            assertThat(started.kind()).isEqualTo(backend);
            if (source.equals(ContainerSwtpm.HOST)) {
                assertThat(image.debianRelease()).as("this machine's release").isEqualTo(hostRelease());
                assertThat(image.swtpmVersion()).as("this machine's swtpm package").isEqualTo(hostSwtpm());
            } else if (source.equals("testing")) {
                assertThat(image.debianRelease()).as("testing's image names the release testing was (forky today)")
                        .matches("[a-z]+").isNotIn("testing", "unstable", "sid");
            } else {
                assertThat(image.debianRelease()).isEqualTo(source);
            }
            assertThat(image.name()).as("an image is named by the swtpm it holds")
                    .startsWith(ContainerSwtpm.REPOSITORY + ":" + upstream(image.swtpmVersion()) + "-");
        }
    }

    @Test
    @DisplayName("a failure midway still removes the container")
    void failureMidwayRemovesTheContainer() throws Exception {
        List<String> ids = new ArrayList<>();
        Backend backend = Arrays.stream(Backend.values()).filter(b -> b.image().isPresent())
                .filter(b -> Backends.unavailable(b, Backends.Config.none()).isEmpty()).findFirst()
                .orElseThrow(() -> new IllegalStateException("the engine answers but no container backend has its"
                        + " image; run scripts/images/build.sh"));
        assertThatThrownBy(() -> {
            try (TpmBackend started = Backends.start(backend, Backends.Config.none())) {
                ids.addAll(dockerPsA("label=" + ContainerSwtpm.OWNER_LABEL + "=" + ownerOfThisJvm()));
                throw new IllegalStateException("a scenario failed midway");
            }
        }).hasMessage("a scenario failed midway");
        assertThat(ids).as("the backend's one container, while it ran").hasSize(1);
        assertThat(dockerPsA("id=" + ids.get(0))).isEmpty();
    }

    @Test
    @DisplayName("a JVM that exits without closing its container has it removed by the shutdown hook")
    void exitingJvmRemovesItsContainer(@TempDir Path dir) throws Exception {
        Child child = Child.start(dir, "exit");
        try {
            String id = child.containerId();
            assertThat(child.process.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(child.process.exitValue()).as("the child exits on its own, without closing").isEqualTo(3);
            assertThat(dockerPsA("id=" + id)).isEmpty();
        } finally {
            child.kill();
        }
    }

    @Test
    @DisplayName("a killed JVM's container is removed by the next sweep, and nobody else's is")
    void killedJvmsContainerIsSweptAway(@TempDir Path dir) throws Exception {
        Child child = Child.start(dir, "wait");
        String id = null;
        try {
            id = child.containerId();
            child.kill(); // SIGKILL: no shutdown hook runs
            assertThat(dockerPsA("id=" + id)).as("a killed JVM leaves its container").containsExactly(id);

            ContainerSwtpm.removeOrphans();
            assertThat(dockerPsA("id=" + id)).isEmpty();
        } finally {
            if (id != null && !dockerPsA("id=" + id).isEmpty()) {
                docker("rm", "-f", id);
            }
        }
    }

    @Test
    @DisplayName("only a container whose owner JVM on this host and boot is gone counts as an orphan")
    void orphanNeedsAGoneOwnerOnThisBoot() {
        String[] me = ownerOfThisJvm().split("/");
        assertThat(ContainerSwtpm.isOrphan(String.join("/", me))).as("this JVM").isFalse();
        assertThat(ContainerSwtpm.isOrphan(me[0] + "/" + me[1] + "/" + me[2] + "/1")).as("pid reused").isTrue();
        assertThat(ContainerSwtpm.isOrphan("another-host/" + me[1] + "/999999999/1")).as("another host").isFalse();
        assertThat(ContainerSwtpm.isOrphan(me[0] + "/another-boot/999999999/1")).as("another boot").isFalse();
        assertThat(ContainerSwtpm.isOrphan(null)).isFalse();
    }

    /** The container backend that runs {@code image}; container-host for an image no backend names. */
    private static Backend backendOf(SwtpmImage image) {
        return Arrays.stream(Backend.values()).filter(b -> b.image().equals(Optional.ofNullable(image.source())))
                .findFirst().orElse(Backend.CONTAINER_HOST);
    }

    private static String hostRelease() throws Exception {
        return Files.readAllLines(Path.of("/etc/os-release")).stream().filter(l -> l.startsWith("VERSION_CODENAME="))
                .map(l -> l.substring("VERSION_CODENAME=".length())).findFirst().orElseThrow();
    }

    private static String hostSwtpm() throws Exception {
        Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", "swtpm").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static String ownerOfThisJvm() {
        return ContainerSwtpm.owner();
    }

    private static boolean jdkVerifies(KeyPair pair, byte[] message, byte[] signature) throws Exception {
        Signature v = Signature.getInstance("SHA256withECDSA", "SunEC");
        v.initVerify(pair.getPublic());
        v.update(message);
        return v.verify(signature);
    }

    /** 0.7.1-1.3 → 0.7.1, as swtpm --version prints it. */
    private static String upstream(String debianVersion) {
        String v = debianVersion.substring(debianVersion.indexOf(':') + 1);
        return v.replaceAll("[-+~].*$", "");
    }

    /** The full IDs of the containers `docker ps -a` lists for {@code filter}. */
    private static List<String> dockerPsA(String filter) throws Exception {
        return docker("ps", "-a", "-q", "--no-trunc", "--filter", filter).lines().filter(l -> !l.isBlank()).toList();
    }

    private static String docker(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Process p = ChildProcesses.start(new ProcessBuilder(command).redirectErrorStream(true));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** A JVM running {@link ContainerSwtpmChild}, reaped by PID. */
    private static final class Child {
        final Process process;
        final Path output;

        private Child(Process process, Path output) {
            this.process = process;
            this.output = output;
        }

        static Child start(Path dir, String mode) throws Exception {
            Path output = dir.resolve("child.log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = ChildProcesses.start(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    ContainerSwtpmChild.class.getName(), ContainerSwtpm.images().get(0).name(), mode)
                    .redirectErrorStream(true).redirectOutput(output.toFile()));
            return new Child(p, output);
        }

        /** Waits for the child to say which container it started. */
        String containerId() throws Exception {
            long deadline = System.nanoTime() + CHILD_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                Matcher m = CHILD_SAYS.matcher(Files.readString(output));
                if (m.find()) {
                    return m.group(1);
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("the child JVM named no container within " + CHILD_TIMEOUT.toSeconds()
                    + " s; its output: " + Files.readString(output));
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
