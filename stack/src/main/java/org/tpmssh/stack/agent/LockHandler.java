package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.function.LongConsumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.pinentry.PinResolver;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;

/** Answers lock and unlock; only a salted MAC of the passphrase is kept, so a memory dump does not show it. */
final class LockHandler {

    private final PinResolver pins;
    private final LongConsumer delay;
    private final SecureRandom random = new SecureRandom();
    private byte[] lockSalt;
    private byte[] lockMac;
    private int failedUnlocks;

    /**
     * @param pins whose cached PINs locking wipes
     * @param delay pauses for the given milliseconds after a wrong passphrase
     */
    LockHandler(PinResolver pins, LongConsumer delay) {
        this.pins = pins;
        this.delay = delay;
    }

    synchronized boolean locked() {
        return lockMac != null;
    }

    byte[] lock(SshWireReader reader) throws SshWireFormatException {
        byte[] passphrase = reader.readString();
        try {
            reader.requireEnd("lock request");
            synchronized (this) {
                if (lockMac != null) {
                    return AgentMessages.failure();
                }
                lockSalt = new byte[32];
                random.nextBytes(lockSalt);
                lockMac = mac(lockSalt, passphrase);
                failedUnlocks = 0;
            }
            pins.clear();
            LOG.log(Level.INFO, "agent: locked");
            return AgentMessages.success();
        } finally {
            Secrets.wipe(passphrase);
        }
    }

    byte[] unlock(SshWireReader reader) throws SshWireFormatException {
        byte[] passphrase = reader.readString();
        try {
            reader.requireEnd("unlock request");
            int fails;
            synchronized (this) {
                if (lockMac == null) {
                    return AgentMessages.failure();
                }
                byte[] candidate = mac(lockSalt, passphrase);
                boolean match = MessageDigest.isEqual(candidate, lockMac);
                Secrets.wipe(candidate);
                if (match) {
                    forget();
                    LOG.log(Level.INFO, "agent: unlocked");
                    return AgentMessages.success();
                }
                fails = ++failedUnlocks;
            }
            LOG.log(Level.WARNING, "agent: wrong passphrase to unlock ({0} so far)", fails);
            // As OpenSSH: each wrong guess costs a little more time.
            delay.accept(Math.min(100L * fails, 1000L));
            return AgentMessages.failure();
        } finally {
            Secrets.wipe(passphrase);
        }
    }

    /** Wipes the lock's salt and MAC, which unlocks; called on a matching unlock and when the agent closes. */
    synchronized void forget() {
        Secrets.wipe(lockMac);
        Secrets.wipe(lockSalt);
        lockMac = null;
        lockSalt = null;
    }

    private static byte[] mac(byte[] salt, byte[] passphrase) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            return mac.doFinal(passphrase);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
