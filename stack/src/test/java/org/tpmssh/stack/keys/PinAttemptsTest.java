package org.tpmssh.stack.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.pin.PinAlreadyRefusedException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * The rule "one dictionary-attack try per distinct wrong PIN" on its own. The TPM here is FAKED: a counting
 * lambda that answers TPM_RC_AUTH_FAIL (session 1, 0x98E) or TPM_RC_LOCKOUT unless given the right authValue;
 * the real TPM's counter is checked in the lockout tests of the agent, PKCS#11, p11-kit, JCA and CLI.
 */
class PinAttemptsTest {
    private static final int AUTH_FAIL_SESSION_1 = 0x98E;
    private static final int LOCKOUT = 0x921;

    /** A fake TPM object that opens with one authValue and counts every question put to it. */
    private static final class FakeTpmObject {
        final byte[] identity;
        final byte[] right;
        final AtomicInteger asked = new AtomicInteger();
        volatile boolean lockedOut;

        FakeTpmObject(String identity, String right) {
            this.identity = bytes(identity);
            this.right = bytes(right);
        }

        String use(String pin) throws Exception {
            return PinAttempts.attempt("the PIN for key \"k\"", identity, bytes(pin), () -> {
                asked.incrementAndGet();
                if (lockedOut) {
                    throw new TpmResponseException(CommandCode.SIGN, LOCKOUT);
                }
                if (!java.util.Arrays.equals(bytes(pin), right)) {
                    throw new TpmResponseException(CommandCode.SIGN, AUTH_FAIL_SESSION_1);
                }
                return "signed";
            });
        }
    }

    @Test
    void theSameWrongPinIsPutToTheTpmOnceAndRefusedWithoutItAfterwards() throws Exception {
        FakeTpmObject key = new FakeTpmObject("key-1 " + System.nanoTime(), "right");
        assertThatThrownBy(() -> key.use("wrong")).isExactlyInstanceOf(PinIncorrectException.class)
                .hasMessageContaining("dictionary-attack lockout");
        for (int i = 0; i < 14; i++) {
            assertThatThrownBy(() -> key.use("wrong")).isInstanceOf(PinAlreadyRefusedException.class)
                    .isInstanceOf(PinIncorrectException.class)
                    .hasMessageContaining("the PIN for key \"k\" is incorrect")
                    .hasMessageContaining("not tried again").hasMessageNotContaining("wrong");
        }
        assertThat(key.asked).as("questions put to the TPM").hasValue(1);
    }

    @Test
    void eachDistinctWrongPinIsTriedOnceAndTheRightOneStillWorks() throws Exception {
        FakeTpmObject key = new FakeTpmObject("key-2 " + System.nanoTime(), "right");
        for (String pin : List.of("a", "b", "a", "c", "b", "a")) {
            assertThatThrownBy(() -> key.use(pin)).isInstanceOf(PinIncorrectException.class);
        }
        assertThat(key.asked).hasValue(3);
        assertThat(key.use("right")).isEqualTo("signed");
        assertThat(key.use("right")).isEqualTo("signed");
        assertThat(key.asked).hasValue(5);
    }

    @Test
    void theSamePinForAnotherObjectIsAnotherQuestion() throws Exception {
        FakeTpmObject one = new FakeTpmObject("key-3 " + System.nanoTime(), "right");
        FakeTpmObject resealed = new FakeTpmObject("key-3 resealed " + System.nanoTime(), "wrong");
        assertThatThrownBy(() -> one.use("wrong")).isInstanceOf(PinIncorrectException.class);
        assertThat(resealed.use("wrong")).isEqualTo("signed");
        assertThat(one.asked).hasValue(1);
        assertThat(resealed.asked).hasValue(1);
    }

    @Test
    void aPinMetWithLockoutIsNotRememberedAsWrong() throws Exception {
        FakeTpmObject key = new FakeTpmObject("key-4 " + System.nanoTime(), "right");
        key.lockedOut = true;
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> key.use("wrong")).isInstanceOf(PinLockedException.class);
            assertThatThrownBy(() -> key.use("right")).isInstanceOf(PinLockedException.class);
        }
        key.lockedOut = false;
        assertThat(key.use("right")).isEqualTo("signed");
        assertThatThrownBy(() -> key.use("wrong")).isExactlyInstanceOf(PinIncorrectException.class);
        assertThat(key.asked).hasValue(8);
    }

    @Test
    void parallelAttemptsWithTheSameWrongPinPutItToTheTpmOnce() throws Exception {
        FakeTpmObject key = new FakeTpmObject("key-5 " + System.nanoTime(), "right");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Throwable>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        key.use("wrong");
                        return null;
                    } catch (Exception e) {
                        return e;
                    }
                }));
            }
            go.countDown();
            for (Future<Throwable> r : results) {
                assertThat(r.get(10, TimeUnit.SECONDS)).isInstanceOf(PinIncorrectException.class);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(key.asked).hasValue(1);
    }

    @Test
    void theMemoryKeepsNeitherThePinNorAnUnkeyedHashOfIt() throws Exception {
        FakeTpmObject key = new FakeTpmObject("key-6 " + System.nanoTime(), "right");
        assertThatThrownBy(() -> key.use("wrong-secret")).isInstanceOf(PinIncorrectException.class);
        RefusedPins memo = PinAttempts.refused();
        byte[] pin = bytes("wrong-secret");
        byte[] plainHash = java.security.MessageDigest.getInstance("SHA-256").digest(pin);
        assertThat(memo.entries()).isNotEmpty().noneMatch(e -> java.util.Arrays.equals(e, pin)
                || java.util.Arrays.equals(e, plainHash));
        // Keyed per process: another memory (another process) files the same refusal under another tag.
        RefusedPins other = new RefusedPins(16);
        assertThat(other.tag(key.identity, pin)).isNotEqualTo(memo.tag(key.identity, pin));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
