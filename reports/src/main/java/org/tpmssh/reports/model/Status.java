package org.tpmssh.reports.model;

/** The outcome of one scenario invocation, as a user reads it in the matrix. */
public enum Status {
    PASS,
    FAIL,
    SKIP
}
