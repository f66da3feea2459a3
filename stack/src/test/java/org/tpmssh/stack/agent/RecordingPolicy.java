package org.tpmssh.stack.agent;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;

/**
 * An {@link AddedKeyPolicy} that holds added keys in memory as the default one does, and records each key it made
 * and when the agent closed it, so a test sees which keys the agent forgot.
 */
final class RecordingPolicy implements AddedKeyPolicy {

    /** An added key that counts its closes; {@code failClose} makes closing throw, as a broken key might. */
    static final class Held implements AgentKey, AutoCloseable {
        final MemoryKey key;
        final CountDownLatch closed = new CountDownLatch(1);
        volatile int closes;
        volatile boolean failClose;

        Held(MemoryKey key) {
            this.key = key;
        }

        boolean isClosed() {
            return closes > 0;
        }

        @Override
        public byte[] publicKeyBlob() {
            return key.publicKeyBlob();
        }

        @Override
        public String comment() {
            return key.comment();
        }

        @Override
        public byte[] sign(byte[] data, int flags) throws AgentSignException {
            return key.sign(data, flags);
        }

        @Override
        public synchronized void close() throws Exception {
            closes++;
            key.close();
            closed.countDown();
            if (failClose) {
                throw new IllegalStateException("this key cannot be closed");
            }
        }
    }

    final List<Held> made = new CopyOnWriteArrayList<>();

    @Override
    public AgentKey admit(KeyPair pair, String comment) throws AddedKeyRefusedException {
        Held held = new Held(new MemoryKey(pair, comment));
        made.add(held);
        return held;
    }

    static KeyPair p256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
