package org.tpmssh.axes;

/** JUnit tags of scenario suites that {@code mvn verify} runs but a conformance verdict leaves out. */
public final class SuiteTags {
    /** Runs the scenarios against deliberately broken stacks: it tests the scenarios, not the stack under test. */
    public static final String FAULTY_STACK = "faulty-stack";
    /** Runs the suites through a nested JUnit Launcher, to check the suites themselves. */
    public static final String SELF_CHECK = "suite-self-check";

    private SuiteTags() {
    }
}
