package org.tpmssh.reports.format;

/** A report file that cannot be read or written; the message names the file and what to do. */
public final class ReportFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public ReportFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    public ReportFormatException(String message) {
        super(message);
    }
}
