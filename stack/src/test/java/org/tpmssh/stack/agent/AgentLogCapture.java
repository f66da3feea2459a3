package org.tpmssh.stack.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Collects what the agent logs (System.Logger is backed by java.util.logging here), so tests can
 * check that failures log one line without a stack trace and never the data that was signed.
 */
final class AgentLogCapture extends Handler implements AutoCloseable {

    private final Logger logger = Logger.getLogger(SshAgentServer.class.getName());
    private final Level previousLevel;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();

    AgentLogCapture() {
        previousLevel = logger.getLevel();
        logger.setLevel(Level.ALL);
        logger.addHandler(this);
    }

    List<String> messages() {
        return records.stream().map(formatter::formatMessage).toList();
    }

    /** The messages logged at exactly {@code level}. */
    List<String> records(Level level) {
        return records.stream().filter(r -> r.getLevel() == level).map(formatter::formatMessage).toList();
    }

    boolean anyWithStackTrace() {
        return records.stream().anyMatch(r -> r.getThrown() != null);
    }

    /** Waits up to {@code timeout} for a message at {@code level} that starts with {@code start}. */
    synchronized boolean await(Level level, String start, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (records(level).stream().noneMatch(m -> m.startsWith(start))) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
        synchronized (this) {
            notifyAll();
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setLevel(previousLevel);
    }
}
