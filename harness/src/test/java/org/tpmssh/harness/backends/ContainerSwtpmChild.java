package org.tpmssh.harness.backends;

/**
 * A JVM that starts a swtpm container and never closes it: it exits at once ({@code exit}, so only the shutdown
 * hook can remove the container) or waits to be killed ({@code wait}). ContainerSwtpmTest's subject.
 */
final class ContainerSwtpmChild {
    private ContainerSwtpmChild() {
    }

    public static void main(String[] args) throws Exception {
        SwtpmImage image = ContainerSwtpm.images().stream().filter(i -> i.name().equals(args[0]))
                .findFirst().orElseThrow();
        ContainerSwtpm container = ContainerSwtpm.start(image);
        System.out.println("container " + container.containerId());
        System.out.flush();
        if ("exit".equals(args[1])) {
            System.exit(3);
        }
        Thread.sleep(120_000); // bounded: the test kills this JVM long before
        System.exit(4);
    }
}
