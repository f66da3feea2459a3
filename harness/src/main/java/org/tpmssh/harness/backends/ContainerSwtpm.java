package org.tpmssh.harness.backends;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.commands.Startup;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.transport.SwtpmTransport;

/**
 * swtpm in a container through Testcontainers, from local images only (never pulled), and always removed,
 * also after a killed JVM (docs/containers.md).
 */
final class ContainerSwtpm implements AutoCloseable {
    static final String BUILD_SCRIPT = "scripts/images/build.sh";
    static final String REPOSITORY = "tpmssh/swtpm";
    static final String SWTPM_LABEL = "org.tpmssh.swtpm.version";
    static final String LIBTPMS_LABEL = "org.tpmssh.libtpms.version";
    static final String RELEASE_LABEL = "org.tpmssh.debian.release";
    /** The build.sh argument that made an image: {@code host}, or the Debian suite it was bootstrapped from. */
    static final String SOURCE_LABEL = "org.tpmssh.image.source";
    /** The build.sh argument of the image that holds this machine's swtpm; it needs no root to build. */
    static final String HOST = "host";
    /** Marks our containers with the JVM that started them: host, boot id, PID and start time. */
    static final String OWNER_LABEL = "org.tpmssh.owner";

    /** An environment variable that Testcontainers reads nowhere else, and what it does without it. */
    record Setting(String name, String value, boolean exact, String without) {
    }

    /** What mvn and ./tpmssh set so that Testcontainers needs no registry and writes nothing to the user's home. */
    static final List<Setting> ENVIRONMENT = List.of(
            new Setting("TESTCONTAINERS_RYUK_DISABLED", "true", true,
                    "Testcontainers would pull its resource reaper's image from a registry"),
            new Setting("DOCKER_HOST", "unix:///var/run/docker.sock", false,
                    "Testcontainers would record the engine it finds in ~/.testcontainers.properties"),
            new Setting("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1", false,
                    "Testcontainers would, inside a container, pull alpine to find its gateway"));
    static final int DATA = 2321;
    static final int CTRL = 2322;
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final int ATTEMPTS = 3;
    private static final String OWNER = currentOwner();
    private static Optional<String> availability;
    private static final Map<String, Optional<SwtpmImage>> IMAGES = new HashMap<>();
    private static boolean swept;

    private final SwtpmImage image;
    private final GenericContainer<?> container;
    private final int port;

    private ContainerSwtpm(SwtpmImage image, GenericContainer<?> container, int port) {
        this.image = image;
        this.container = container;
        this.port = port;
    }

    /** Why no container backend here; asks the Docker engine once per JVM, since that probe is slow. */
    static synchronized Optional<String> availability() {
        if (availability == null) {
            availability = probe();
        }
        return availability;
    }

    /** Why the container backend cannot run the image {@code source} names here: no engine, or no such image. */
    static Optional<String> availability(String source) {
        Optional<String> engine = availability();
        if (engine.isPresent()) {
            return engine;
        }
        return image(source).isPresent() ? Optional.empty()
                : Optional.of("no " + REPOSITORY + " image of " + describe(source) + " is here; build it with "
                        + BUILD_SCRIPT + " " + source + (HOST.equals(source) ? "" : " (as root, about a minute)"));
    }

    private static String describe(String source) {
        return HOST.equals(source) ? "this machine's swtpm" : "Debian " + source;
    }

    /**
     * The local image that {@code source} names ({@link #SOURCE_LABEL}), the one with the newest swtpm if there are
     * several; looked up once per JVM and source.
     */
    static synchronized Optional<SwtpmImage> image(String source) {
        return IMAGES.computeIfAbsent(source, s -> images().stream().filter(i -> s.equals(i.source()))
                .max(Comparator.comparing(i -> versionNumbers(i.swtpmVersion()), Arrays::compare)));
    }

    private static Optional<String> probe() {
        // Checked before Testcontainers starts, since it acts on them at once.
        for (Setting setting : ENVIRONMENT) {
            String value = System.getenv(setting.name());
            if (value == null || value.isBlank() || (setting.exact() && !value.equals(setting.value()))) {
                return Optional.of(setting.name() + " is not " + (setting.exact() ? setting.value() : "set") + ", and "
                        + setting.without() + " (mvn and ./tpmssh set " + setting.name() + "=" + setting.value() + ")");
            }
        }
        String dockerHost = System.getenv("DOCKER_HOST");
        if (!isLocal(dockerHost)) {
            return Optional.of("DOCKER_HOST=" + dockerHost + " is not on this machine, but swtpm's ports are"
                    + " published on this machine's loopback only");
        }
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            docker = false;
        }
        if (!docker) {
            return Optional.of("no Docker engine answers at " + dockerHost
                    + " (as root, ./tpmssh and .ci/run start one)");
        }
        return Optional.empty();
    }

    /** A unix socket, or TCP to a loopback address. */
    private static boolean isLocal(String dockerHost) {
        try {
            URI uri = URI.create(dockerHost);
            return "unix".equals(uri.getScheme())
                    || (uri.getHost() != null && InetAddress.getByName(uri.getHost()).isLoopbackAddress());
        } catch (IllegalArgumentException | IOException e) {
            return false;
        }
    }

    /** The local {@value #REPOSITORY} images, by name. */
    static List<SwtpmImage> images() {
        List<SwtpmImage> images = new ArrayList<>();
        for (com.github.dockerjava.api.model.Image i : client().listImagesCmd().withLabelFilter(SWTPM_LABEL).exec()) {
            Map<String, String> labels = i.getLabels();
            for (String tag : i.getRepoTags() == null ? new String[0] : i.getRepoTags()) {
                if (tag.startsWith(REPOSITORY + ":")) {
                    images.add(new SwtpmImage(tag, labels.get(SOURCE_LABEL), labels.get(RELEASE_LABEL),
                            labels.get(SWTPM_LABEL), labels.get(LIBTPMS_LABEL)));
                }
            }
        }
        images.sort(Comparator.comparing(SwtpmImage::name));
        return images;
    }

    /** 0.10.2-2 → [0, 10, 2, 2]; an unlabelled image sorts first. */
    private static int[] versionNumbers(String version) {
        return version == null ? new int[0] : Arrays.stream(version.split("[^0-9]+")).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
    }

    /** Starts the image {@code source} names. */
    static ContainerSwtpm start(String source) {
        return start(image(source).orElseThrow(() -> new IllegalStateException(availability(source)
                .orElse("no " + REPOSITORY + " image of " + describe(source) + " is here"))));
    }

    /**
     * Starts {@code image} with its two ports published on adjacent loopback ports, and returns once swtpm answers
     * a TPM command. Throws, having removed the container, if it does not.
     */
    @SuppressWarnings("resource")
    static ContainerSwtpm start(SwtpmImage image) {
        try {
            client().inspectImageCmd(image.name()).exec();
        } catch (NotFoundException e) {
            throw new IllegalStateException(image.name() + " is not here; build it with " + BUILD_SCRIPT);
        }
        removeOrphansOnce();
        ContainerLaunchException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            // Docker cannot be asked for two adjacent ports, so we pick them; another process may take them first.
            int port = Swtpm.freePortPair();
            GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image.name()))
                    .withImagePullPolicy(name -> false)
                    .withLabel(OWNER_LABEL, OWNER)
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
                            new PortBinding(Ports.Binding.bindIpAndPort(LOOPBACK, port), ExposedPort.tcp(DATA)),
                            new PortBinding(Ports.Binding.bindIpAndPort(LOOPBACK, port + 1), ExposedPort.tcp(CTRL))))
                    .waitingFor(new TpmAnswers(port).withStartupTimeout(READY_TIMEOUT));
            try {
                c.start();
                return new ContainerSwtpm(image, c, port);
            } catch (ContainerLaunchException e) {
                c.stop();
                last = e;
                if (!String.valueOf(rootMessage(e)).contains("allocated")
                        && !String.valueOf(rootMessage(e)).contains("in use")) {
                    break;
                }
            } catch (RuntimeException | Error e) {
                c.stop();
                throw e;
            }
        }
        throw new IllegalStateException("swtpm in " + image.name() + " did not start: " + rootMessage(last), last);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** Ready means answering a TPM command: Docker's proxy accepts connections before swtpm listens. */
    private static final class TpmAnswers extends AbstractWaitStrategy {
        private final int port;

        TpmAnswers(int port) {
            this.port = port;
        }

        @Override
        protected void waitUntilReady() {
            long deadline = System.nanoTime() + startupTimeout.toNanos();
            Exception last = null;
            while (System.nanoTime() < deadline) {
                if (!waitStrategyTarget.isRunning()) {
                    throw new ContainerLaunchException("swtpm's container stopped: "
                            + waitStrategyTarget.getLogs().strip());
                }
                try (Tpm tpm = new Tpm(SwtpmTransport.connect(LOOPBACK, port, PROBE_TIMEOUT))) {
                    Startup.ensureStarted(tpm);
                    return;
                } catch (Exception e) {
                    last = e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ContainerLaunchException("interrupted while waiting for swtpm");
                }
            }
            throw new ContainerLaunchException("swtpm did not answer on " + LOOPBACK + ":" + port + " within "
                    + startupTimeout.toSeconds() + " s: " + (last == null ? "no attempt" : last.getMessage()));
        }
    }

    private static synchronized void removeOrphansOnce() {
        if (!swept) {
            swept = true;
            removeOrphans();
        }
    }

    /**
     * Removes containers that a JVM on this machine started and can no longer remove, because it was killed before
     * its shutdown hook ran. A container is proved orphaned when its owner label names this host and boot, and no
     * process with that PID and start time is alive.
     */
    static void removeOrphans() {
        List<Container> ours = client().listContainersCmd().withShowAll(true).withLabelFilter(List.of(OWNER_LABEL))
                .exec();
        for (Container c : ours) {
            String owner = c.getLabels().get(OWNER_LABEL);
            if (isOrphan(owner)) {
                client().removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
                System.getLogger(ContainerSwtpm.class.getName()).log(System.Logger.Level.INFO,
                        "removed container " + c.getId().substring(0, 12) + " of a JVM that is gone (" + owner + ")");
            }
        }
    }

    /** {@code host/boot/pid/start}: true when host and boot are ours and that process is gone. */
    static boolean isOrphan(String owner) {
        String[] parts = owner == null ? new String[0] : owner.split("/");
        String[] mine = OWNER.split("/");
        if (parts.length != 4 || !parts[0].equals(mine[0]) || !parts[1].equals(mine[1])) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return false;
        }
        return ProcessHandle.of(pid).map(p -> !startOf(p).equals(parts[3])).orElse(true);
    }

    /** This JVM's {@link #OWNER_LABEL} value. */
    static String owner() {
        return OWNER;
    }

    private static String currentOwner() {
        String boot;
        try {
            boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        } catch (IOException e) {
            boot = "unknown-boot";
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        ProcessHandle me = ProcessHandle.current();
        return host + "/" + boot + "/" + me.pid() + "/" + startOf(me);
    }

    private static String startOf(ProcessHandle p) {
        return p.info().startInstant().map(i -> Long.toString(i.toEpochMilli())).orElse("?");
    }

    private static DockerClient client() {
        return DockerClientFactory.instance().client();
    }

    SwtpmImage image() {
        return image;
    }

    String containerId() {
        return container.getContainerId();
    }

    /** What the container's swtpm says of itself ({@code swtpm --version}), as a check on the image's labels. */
    String swtpmVersionLine() throws Exception {
        var r = container.execInContainer("/usr/bin/swtpm", "--version");
        return r.getStdout().lines().findFirst().orElse(r.getStderr().strip());
    }

    /** The swtpm TCTI: data on the published port, control on the next, as the TCTI assumes. */
    String tcti() {
        return "swtpm:host=" + LOOPBACK + ",port=" + port;
    }

    /** Stops and removes the container (Testcontainers removes it on stop). */
    @Override
    public void close() {
        container.stop();
    }
}
