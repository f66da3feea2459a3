package org.tpmssh.cli.options;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A serving verb's life in the foreground: its log as single lines on the verb's stderr, and a
 * shutdown hook so that SIGINT or SIGTERM lets the verb close what it opened before the JVM exits.
 * Tests stop it with {@link #stop} instead of a signal.
 */
public final class ForegroundService {
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch serving = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Thread hook;
    private Logger logger;
    private Handler handler;
    private Level previousLevel;
    private boolean previousParents;

    /** Routes {@code loggerName}'s records to {@code err} as {@code prefix: message} (FINE with --verbose). */
    public void logTo(String loggerName, PrintWriter err, String prefix, boolean verbose) {
        logger = Logger.getLogger(loggerName);
        handler = new StderrHandler(err, prefix);
        previousLevel = logger.getLevel();
        previousParents = logger.getUseParentHandlers();
        logger.setLevel(verbose ? Level.FINE : Level.INFO);
        handler.setLevel(Level.ALL);
        logger.addHandler(handler);
        logger.setUseParentHandlers(false);
    }

    /** On SIGINT/SIGTERM: wake the verb, and hold the JVM until it has cleaned up (at most 15 s). */
    public void installShutdownHook(String name) {
        hook = new Thread(() -> {
            stopRequested.countDown();
            try {
                stopped.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The verb is serving; blocks until a signal or {@link #stop}. */
    public void serveUntilStopped() throws InterruptedException {
        serving.countDown();
        stopRequested.await();
    }

    /** Call in the verb's finally, after it closed everything: removes the hook and the log handler. */
    public void finished() {
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook waits for stopped below
            }
        }
        if (logger != null) {
            logger.removeHandler(handler);
            logger.setUseParentHandlers(previousParents);
            logger.setLevel(previousLevel);
        }
        serving.countDown();
        stopped.countDown();
    }

    /** Asks the verb to stop, as SIGTERM would; true once it has cleaned up within the timeout. */
    public boolean stop(long timeout, TimeUnit unit) throws InterruptedException {
        stopRequested.countDown();
        return stopped.await(timeout, unit);
    }

    /** Waits until the verb serves (or failed before that). */
    public boolean awaitServing(long timeout, TimeUnit unit) throws InterruptedException {
        return serving.await(timeout, unit);
    }

    /** The log as single lines; warnings say so; stack traces never (only --verbose shows them, elsewhere). */
    private static final class StderrHandler extends Handler {
        private final PrintWriter err;
        private final String prefix;
        private final Formatter formatter = new java.util.logging.SimpleFormatter();

        StderrHandler(PrintWriter err, String prefix) {
            this.err = err;
            this.prefix = prefix;
        }

        @Override
        public synchronized void publish(LogRecord record) {
            if (!isLoggable(record)) {
                return;
            }
            String level = record.getLevel().intValue() >= Level.WARNING.intValue() ? "warning: " : "";
            err.println(prefix + ": " + level + formatter.formatMessage(record));
            err.flush();
        }

        @Override
        public void flush() {
            err.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
