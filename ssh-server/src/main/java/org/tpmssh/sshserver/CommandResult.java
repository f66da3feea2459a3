package org.tpmssh.sshserver;

/** What one finished OpenSSH client program did: exit code, its output, and how long it took. */
public record CommandResult(int exitCode, String stdout, String stderr, long wallNanos) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** For assertion messages: everything a reader needs to see why a login failed. */
    public String describe() {
        return "exit " + exitCode + " after " + wallNanos / 1_000_000 + " ms\n--- stdout\n" + stdout
                + "\n--- stderr\n" + stderr;
    }
}
