package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECParameterSpec;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;

/** A key held in memory (the default for ssh-add) is destroyed, where the JDK can destroy it, once forgotten. */
class MemoryKeyTest {

    private final AgentLogCapture log = new AgentLogCapture();

    @AfterEach
    void stop() {
        log.close();
    }

    /** An EC private key that can be destroyed, which the JDK's own cannot; it signs through the JDK as usual. */
    private static final class DestroyableEcKey implements ECPrivateKey {
        private final ECPrivateKey real;
        final AtomicInteger destroys = new AtomicInteger();

        DestroyableEcKey(ECPrivateKey real) {
            this.real = real;
        }

        @Override
        public BigInteger getS() {
            return real.getS();
        }

        @Override
        public ECParameterSpec getParams() {
            return real.getParams();
        }

        @Override
        public String getAlgorithm() {
            return real.getAlgorithm();
        }

        @Override
        public String getFormat() {
            return real.getFormat();
        }

        @Override
        public byte[] getEncoded() {
            return real.getEncoded();
        }

        @Override
        public void destroy() {
            destroys.incrementAndGet();
        }

        @Override
        public boolean isDestroyed() {
            return destroys.get() > 0;
        }
    }

    @Test
    void forgettingAKeyDestroysItsPrivateHalfOnceAndItSignsNoMore() throws Exception {
        KeyPair jdk = RecordingPolicy.p256();
        DestroyableEcKey secret = new DestroyableEcKey((ECPrivateKey) jdk.getPrivate());
        AgentKey key = AddedKeyPolicy.inMemory().admit(new KeyPair(jdk.getPublic(), secret), "destroy me");
        assertThat(key.sign(new byte[8], 0)).isNotEmpty();

        ((AutoCloseable) key).close();
        assertThat(secret.isDestroyed()).isTrue();
        ((AutoCloseable) key).close();
        assertThat(secret.destroys).as("destroyed once").hasValue(1);
        assertThatThrownBy(() -> key.sign(new byte[8], 0)).isInstanceOf(AgentSignException.class)
                .hasMessageContaining("the key was removed");
    }

    @Test
    void aJdkKeyThatCannotBeDestroyedIsDroppedAndThatIsTraced() throws Exception {
        AgentKey key = AddedKeyPolicy.inMemory().admit(RecordingPolicy.p256(), "jdk key");
        ((AutoCloseable) key).close();
        assertThat(log.records(Level.FINER)).contains("agent: the JDK cannot destroy a EC key; dropped it");
        assertThatThrownBy(() -> key.sign(new byte[8], 0)).isInstanceOf(AgentSignException.class);
    }
}
