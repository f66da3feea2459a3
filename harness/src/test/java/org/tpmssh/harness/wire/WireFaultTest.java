package org.tpmssh.harness.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.harness.wire.WireFixture.HandleLists;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Signature;

/**
 * Fault scenarios through the wire proxy against our stack on a real swtpm, one named test each: the stack gives
 * the expected typed error in one actionable sentence (or retries transparently), within a bound, without new
 * transient objects or sessions left in the TPM, without a dictionary-attack failure, and signs again once the
 * fault stops.
 */
class WireFaultTest {
    /** Our transport's read timeout in these tests. */
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    /** No faulted call may take longer than this. */
    private static final Duration BOUND = TIMEOUT.plusSeconds(7);
    private static final byte[] MESSAGE = "signed through a faulty wire".getBytes(StandardCharsets.UTF_8);

    private WireFixture fx;
    private OurStack stack;
    private KeyRecord record;
    private TpmObject key;
    private HandleLists before;
    private int lockoutCounterBefore;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        fx = WireFixture.start();
        try (OurStack provisioning = OurStack.open(fx.tpm(), dir)) {
            provisioning.provision();
        }
        stack = OurStack.open(fx.tpm(TIMEOUT), dir);
        record = stack.key();
        key = stack.tokens.load(OurStack.TOKEN, record);
        assertSigns(); // logged in, key loaded, session started: the steady state a fault interrupts
        before = fx.handleLists();
        lockoutCounterBefore = lockoutCounter();
    }

    @AfterEach
    void stop() {
        try {
            if (stack != null) {
                stack.close();
            }
        } finally {
            fx.close();
        }
    }

    // ---- the connection dropped mid-command ----

    @ParameterizedTest(name = "[dropped {0} the TPM ran Sign]")
    @ValueSource(strings = {"before", "after"})
    void aConnectionDroppedMidCommandIsRetriedOnceOnANewConnection(String when) throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 1, drop(when));
        try (Operation op = fx.proxy.operation("sign")) {
            assertSigns();
            assertThat(op.exchanges().stream().filter(e -> e.commandCode() == CommandCode.SIGN)
                    .map(Exchange::connection).distinct()).as("the dropped Sign and the retry, each on its connection")
                    .hasSize(2);
        }
        assertNothingLeakedAndNoDaFailure();
    }

    @ParameterizedTest(name = "[dropped {0} the TPM ran Sign, twice]")
    @ValueSource(strings = {"before", "after"})
    void aConnectionDroppedAgainOnTheRetryIsOneSentenceWithinTheBoundAndLeavesNothingBehind(String when)
            throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 2, drop(when));
        TpmException e = signFails(TpmException.class);
        assertOneSentence(e, "closed the connection without answering", "Did the TPM process exit or crash?");
        assertNothingLeakedAndNoDaFailure();
    }

    @Test
    void signingWorksAgainAfterADroppedConnection() throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 2, Fault.dropAfterTpm());
        signFails(TpmException.class);
        assertSigns();
        assertNothingLeakedAndNoDaFailure();
    }

    @Test
    void aConnectionDroppedDuringLoadLeavesNoObjectBehindOnceSigningWorksAgain() throws Exception {
        stack.tokens.ring().cache().release(key);
        key = stack.tokens.load(OurStack.TOKEN, record); // registered again: the next sign loads it with TPM2_Load
        fx.proxy.inject(CommandCode.LOAD, 1, Fault.dropAfterTpm());
        try (Operation op = fx.proxy.operation("sign")) {
            assertSigns();
            assertThat(op.counts().count("Load")).as("the key the TPM loaded for the lost answer is used, not"
                    + " loaded again").isEqualTo(1);
        }
        assertNothingLeakedAndNoDaFailure();
    }

    private static Fault drop(String when) {
        return "after".equals(when) ? Fault.dropAfterTpm() : Fault.dropBeforeTpm();
    }

    // ---- truncated and corrupted responses ----

    @Test
    void aResponseCutOffInTransitIsReportedAsTruncated() throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 1, Fault.truncate(12));
        TpmException e = signFails(TpmException.class);
        assertOneSentence(e, "truncated", "got 12");
        assertNothingLeakedAndNoDaFailure();
    }

    @Test
    void signingWorksAgainAfterATruncatedResponse() throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 1, Fault.truncate(12));
        signFails(TpmException.class);
        assertSigns();
        assertNothingLeakedAndNoDaFailure();
    }

    @Test
    void aWellFramedButShortResponseIsMalformedAndTheNextSignCostsNoDaTry() throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 1, Fault.shorten(4));
        TpmException e = signFails(TpmException.class);
        assertOneSentence(e, "the TPM response is malformed", "command 0x15d");
        assertSigns();
        assertNothingLeakedAndNoDaFailure();
    }

    @ParameterizedTest(name = "[corrupt {0}]")
    @EnumSource(Fault.Area.class)
    void aCorruptedResponseFailsItsHmacCheckAndTheNextSignCostsNoDaTry(Fault.Area area) throws Exception {
        Injection corrupt = fx.proxy.inject(CommandCode.SIGN, 1, Fault.corrupt(area));
        TpmException e = signFails(TpmException.class);
        assertThat(corrupt.fired()).isEqualTo(1);
        assertOneSentence(e, "response HMAC does not verify", "the next command starts a new one");
        assertSigns();
        assertNothingLeakedAndNoDaFailure();
    }

    // ---- a response later than the timeout ----

    @Test
    void aResponseDelayedPastTheTimeoutFailsWithinTheBoundSayingWhatToRaise() throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 1, Fault.delay(TIMEOUT.plusSeconds(2)));
        long start = System.nanoTime();
        TpmException e = signFails(TpmException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(TIMEOUT);
        assertOneSentence(e, "gave no answer within 3 s", "raise TPMSSH_TPM_TIMEOUT");
        assertNothingLeakedAndNoDaFailure();
    }

    @Test
    void signingWorksAgainAfterATimeoutWithoutADaFailure() throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 1, Fault.delay(TIMEOUT.plusSeconds(2)));
        signFails(TpmException.class);
        Thread.sleep(2_500); // the late response has arrived by now
        assertSigns();
        assertNothingLeakedAndNoDaFailure();
    }

    // ---- RETRY, YIELDED and TESTING ----

    @ParameterizedTest(name = "[{0} three times]")
    @ValueSource(ints = {ResponseCodes.RETRY, ResponseCodes.YIELDED, ResponseCodes.TESTING})
    void aTransientAnswerIsRetriedTransparently(int rc) throws Exception {
        Injection busy = fx.proxy.inject(CommandCode.SIGN, 3, Fault.respond(rc));
        try (Operation op = fx.proxy.operation("sign")) {
            assertSigns();
            assertThat(busy.fired()).isEqualTo(3);
            assertThat(op.exchanges()).extracting(Exchange::responseCode).containsExactly(rc, rc, rc, 0);
        }
        assertNothingLeakedAndNoDaFailure();
    }

    @Test
    void aTpmThatStaysBusyIsReportedAfterABoundedNumberOfRetries() throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 100, Fault.respond(ResponseCodes.RETRY));
        TpmResponseException e;
        try (Operation op = fx.proxy.operation("sign")) {
            e = signFails(TpmResponseException.class);
            assertThat(op.counts().count("Sign")).as("the first try and 8 retries").isEqualTo(9);
        }
        assertThat(e.baseCode()).isEqualTo(ResponseCodes.RETRY);
        assertOneSentence(e, "TPM_RC_RETRY", "stayed busy", "try again in a moment");
        fx.proxy.clearFaults();
        assertSigns();
        assertNothingLeakedAndNoDaFailure();
    }

    // ---- lockout and NV rate ----

    @Test
    void lockoutOnSignIsReportedAsLockoutWithWhatToDo() throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 1, Fault.respond(ResponseCodes.LOCKOUT));
        PinLockedException e = signFails(PinLockedException.class);
        assertOneSentence(e, "dictionary-attack lockout", "wait for its recovery time");
        assertSigns();
        assertNothingLeakedAndNoDaFailure();
    }

    @Test
    void lockoutAtLoginIsReportedAsLockoutAndTheLoginWorksOnceItEnds(@TempDir Path dir) throws Exception {
        fx.proxy.inject(CommandCode.UNSEAL, 1, Fault.respond(ResponseCodes.LOCKOUT));
        try (Tpm tpm = fx.tpm(TIMEOUT)) {
            PinLockedException e = assertTimeoutPreemptively(BOUND, () -> {
                try {
                    stack.tokens.loginUser(OurStack.TOKEN, OurStack.PIN);
                    throw new AssertionError("the login succeeded despite the lockout");
                } catch (PinLockedException locked) {
                    return locked;
                }
            });
            assertOneSentence(e, "dictionary-attack lockout", "SO PIN");
            assertThat(stack.tokens.loginUser(OurStack.TOKEN, OurStack.PIN)).hasSize(32);
        }
        assertNothingLeakedAndNoDaFailure();
    }

    @Test
    void nvRateIsReportedWithWhatToDoAndSigningWorksOnceItEnds() throws Exception {
        fx.proxy.inject(CommandCode.SIGN, 1, Fault.respond(ResponseCodes.NV_RATE));
        TpmResponseException e = signFails(TpmResponseException.class);
        assertThat(e.baseCode()).isEqualTo(ResponseCodes.NV_RATE);
        assertOneSentence(e, "TPM_RC_NV_RATE", "wait a few seconds and try again");
        assertSigns();
        assertNothingLeakedAndNoDaFailure();
    }

    // ---- helpers ----

    private void assertSigns() throws Exception {
        Signature sig = assertTimeoutPreemptively(BOUND, () -> stack.sign(key, record, MESSAGE));
        assertThat(WireFixture.verifies(key.publicArea().toPublicKey(), MESSAGE, sig)).as("JCA verifies").isTrue();
    }

    /** The sign fails with {@code type}, within the bound. */
    private <T extends Throwable> T signFails(Class<T> type) {
        Throwable thrown = assertTimeoutPreemptively(BOUND, () -> {
            try {
                stack.sign(key, record, MESSAGE);
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        assertThat(thrown).as("the faulted sign failed").isInstanceOf(type);
        return type.cast(thrown);
    }

    private static void assertOneSentence(Throwable e, String... says) {
        assertThat(e.getMessage()).doesNotContain("\n").contains(says);
        assertThat(e.getMessage()).doesNotContain(new String(OurStack.PIN));
    }

    /** The TPM holds the same transient objects and as many sessions as before the fault, and counted no failure. */
    private void assertNothingLeakedAndNoDaFailure() throws Exception {
        HandleLists after = fx.handleLists();
        assertThat(after.transients()).as("transient objects: %s before, %s after", before, after)
                .isEqualTo(before.transients());
        assertThat(after.loadedSessions().size() + after.savedSessions().size()).as("sessions: %s", after)
                .isLessThanOrEqualTo(before.loadedSessions().size() + before.savedSessions().size());
        assertThat(lockoutCounter()).as("dictionary-attack failures counted").isEqualTo(lockoutCounterBefore);
    }

    private int lockoutCounter() throws Exception {
        try (Tpm tpm = fx.tpm()) {
            return GetCapability.property(tpm, GetCapability.PT_LOCKOUT_COUNTER);
        }
    }
}
