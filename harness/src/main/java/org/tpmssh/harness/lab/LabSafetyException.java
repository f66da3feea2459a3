package org.tpmssh.harness.lab;

/** A hardware-lab rule would be broken, or was: the run refuses to start, or fails at the end. */
public final class LabSafetyException extends Exception {
    private static final long serialVersionUID = 1L;

    public LabSafetyException(String message) {
        super(message);
    }
}
