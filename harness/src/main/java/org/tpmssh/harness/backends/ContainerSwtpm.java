package org.tpmssh.harness.backends;

import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/** swtpm in a container through Testcontainers, for machines with a Docker engine but no swtpm package. */
final class ContainerSwtpm implements AutoCloseable {
    static final String IMAGE_VARIABLE = "TPMSSH_SWTPM_IMAGE";
    private static final int DATA = 2321;
    private static final int CTRL = 2322;
    private static volatile Optional<String> availability;

    private final GenericContainer<?> container;

    private ContainerSwtpm(GenericContainer<?> container) {
        this.container = container;
    }

    /** Why no container backend here; asks the Docker engine once per JVM, since that probe is slow. */
    static synchronized Optional<String> availability() {
        if (availability == null) {
            boolean docker;
            try {
                docker = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | LinkageError e) {
                docker = false;
            }
            String image = System.getenv(IMAGE_VARIABLE);
            if (!docker) {
                availability = Optional.of("no Docker engine is reachable for Testcontainers");
            } else if (image == null || image.isBlank()) {
                availability = Optional.of(IMAGE_VARIABLE + " is not set (an image with swtpm on its PATH)");
            } else {
                availability = Optional.empty();
            }
        }
        return availability;
    }

    @SuppressWarnings("resource")
    static ContainerSwtpm start() {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(System.getenv(IMAGE_VARIABLE)))
                .withExposedPorts(DATA, CTRL)
                .withCommand("swtpm", "socket", "--tpm2", "--tpmstate", "dir=/tmp",
                        "--server", "type=tcp,port=" + DATA + ",bindaddr=0.0.0.0",
                        "--ctrl", "type=tcp,port=" + CTRL + ",bindaddr=0.0.0.0",
                        "--flags", "not-need-init,startup-clear")
                .waitingFor(Wait.forListeningPorts(DATA, CTRL));
        c.start();
        return new ContainerSwtpm(c);
    }

    /** Data and control must be adjacent ports for the swtpm TCTI, which Docker's mapping does not promise. */
    String tcti() {
        int data = container.getMappedPort(DATA);
        if (container.getMappedPort(CTRL) != data + 1) {
            throw new IllegalStateException("Docker mapped swtpm's control port to " + container.getMappedPort(CTRL)
                    + ", not " + (data + 1) + "; the swtpm TCTI needs them adjacent");
        }
        return "swtpm:host=" + container.getHost() + ",port=" + data;
    }

    @Override
    public void close() {
        container.stop();
    }
}
