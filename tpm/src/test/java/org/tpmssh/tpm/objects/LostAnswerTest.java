package org.tpmssh.tpm.objects;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.CreatePrimary;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.FlushContext;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.testing.Verify;
import org.tpmssh.tpm.transport.ReconnectingTransport;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TpmTransport;
import org.tpmssh.tpm.transport.TransportException;
import org.tpmssh.tpm.transport.TransportTimeouts;

/**
 * A command whose answer is lost with its connection, on a TPM without a resource manager (a real swtpm, which keeps
 * every session and object when a connection drops): once the KeyRing is served again, it holds as many sessions
 * and objects as before, and it never takes another client's object. What this fakes is only the loss: a
 * transport that passes the command to swtpm, reads the real answer, then drops the connection instead of
 * returning it (or drops it before sending). docs/tpm-wire.md runs the same faults through a real proxy.
 */
class LostAnswerTest {
    private static final byte[] PIN = "lost-answer-pin-7".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MESSAGE = "signed after a lost answer".getBytes(StandardCharsets.UTF_8);

    @Test
    void theSessionALostSignUsedIsFlushedOnTheNextConnection() throws Exception {
        try (Swtpm swtpm = Swtpm.start()) {
            LosesAnswers lossy = new LosesAnswers(swtpm);
            try (KeyRing ring = KeyRing.open(new Tpm(ReconnectingTransport.open(lossy::connect)))) {
                DictionaryAttack.relaxForOwnSimulator(ring.tpm());
                TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "k");
                assertSigns(ring, key);
                List<Integer> sessionsBefore = loadedSessions(ring);
                assertThat(sessionsBefore).as("the KeyRing's salted session").hasSize(1);

                lossy.loseNextAnswerTo(CommandCode.SIGN, true); // the TPM signs, moving the session's nonce
                assertSigns(ring, key); // the KeyRing's one retry after a lost connection

                assertThat(loadedSessions(ring)).as("the old session flushed, a new one in its place").hasSize(1);
            }
        }
    }

    @Test
    void aKeyTheTpmLoadedForALostAnswerIsUsedAndNotLeftBehind() throws Exception {
        try (Lossy t = Lossy.withAKeyToLoad()) {
            t.lossy.loseNextAnswerTo(CommandCode.LOAD, true); // the TPM loads the key; we never learn where
            assertSigns(t.ring, t.key);

            assertThat(GetCapability.handles(t.ring.tpm(), Handles.TRANSIENT_FIRST)).as("the SRK and the key")
                    .hasSize(2);
            assertThat(t.lossy.sent(CommandCode.LOAD)).as("the key was not loaded a second time").isEqualTo(1);
        }
    }

    @Test
    void anotherClientsObjectIsNeverTakenForOurs() throws Exception {
        try (Lossy t = Lossy.withAKeyToLoad()) {
            CreatePrimary.Result foreign = new CreatePrimary(AuthHandle.permanent(Handles.RH_OWNER, null,
                    Session.password()), Templates.srkRsa(), null).execute(t.ring.tpm()); // not in our cache

            t.lossy.loseNextAnswerTo(CommandCode.LOAD, false); // dropped before swtpm saw it: nothing loaded
            assertSigns(t.ring, t.key);

            assertThat(new ReadPublic(foreign.handle()).execute(t.ring.tpm()).name())
                    .as("the other object is still at its handle").isEqualTo(foreign.name());
            assertThat(t.lossy.sent(CommandCode.LOAD)).as("our key was loaded anew").isEqualTo(1);
            new FlushContext(foreign.handle()).execute(t.ring.tpm()); // made by this test
        }
    }

    /**
     * A swtpm, a KeyRing on connections that may lose an answer, and a PIN-less key made under it, released and
     * registered again so that its next use loads it with TPM2_Load.
     */
    private record Lossy(Swtpm swtpm, LosesAnswers lossy, KeyRing ring, TpmObject key) implements AutoCloseable {
        static Lossy withAKeyToLoad() throws Exception {
            Swtpm swtpm = Swtpm.start();
            try {
                LosesAnswers lossy = new LosesAnswers(swtpm);
                KeyRing ring = KeyRing.open(new Tpm(ReconnectingTransport.open(lossy::connect)));
                DictionaryAttack.relaxForOwnSimulator(ring.tpm());
                TpmObject made = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, true), new byte[0], "p");
                byte[] blob = made.privateBlob().orElseThrow();
                ring.cache().release(made);
                return new Lossy(swtpm, lossy, ring, ring.register(blob, made.publicArea(), "again"));
            } catch (Exception | Error e) {
                swtpm.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                ring.close();
            } finally {
                swtpm.close();
            }
        }
    }

    private static List<Integer> loadedSessions(KeyRing ring) throws Exception {
        return GetCapability.handles(ring.tpm(), Handles.LOADED_SESSION_FIRST);
    }

    /** A signature the JDK verifies; a key labelled "k" has the PIN, the others are PIN-less. */
    private static void assertSigns(KeyRing ring, TpmObject key) throws Exception {
        byte[] auth = key.label().equals("k") ? PIN : new byte[0];
        Signature s = ring.sign(key, auth, Alg.hash(Alg.SHA256, MESSAGE), Alg.ECDSA, Alg.SHA256);
        assertThat(Verify.jca(key.publicArea().toPublicKey(), MESSAGE, s)).as("the JDK verifies").isTrue();
    }

    /** Real swtpm connections, one of which loses the answer to a chosen command once. */
    private static final class LosesAnswers {
        private final Swtpm swtpm;
        private int code;
        private boolean afterTpm;
        private boolean armed;
        private final int[] sent = new int[0x200];

        LosesAnswers(Swtpm swtpm) {
            this.swtpm = swtpm;
        }

        synchronized void loseNextAnswerTo(int commandCode, boolean afterTheTpmRanIt) {
            code = commandCode;
            afterTpm = afterTheTpmRanIt;
            armed = true;
        }

        /** How many commands with this code reached swtpm since the last arming. */
        synchronized int sent(int commandCode) {
            return sent[commandCode & 0x1FF];
        }

        TpmTransport connect() throws TransportException {
            TpmTransport real = Tcti.parse(swtpm.tcti()).connect(TransportTimeouts.DEFAULT);
            return new TpmTransport() {
                @Override
                public byte[] transmit(byte[] command) throws TransportException {
                    int cc = ((command[6] & 0xFF) << 24) | ((command[7] & 0xFF) << 16) | ((command[8] & 0xFF) << 8)
                            | (command[9] & 0xFF);
                    boolean lose;
                    boolean ranFirst;
                    synchronized (LosesAnswers.this) {
                        lose = armed && cc == code;
                        ranFirst = afterTpm;
                        if (lose) {
                            armed = false;
                            java.util.Arrays.fill(sent, 0);
                        }
                        if (!lose || ranFirst) {
                            sent[cc & 0x1FF]++;
                        }
                    }
                    if (lose) {
                        if (ranFirst) {
                            real.transmit(command);
                        }
                        real.close();
                        throw new TransportException(TransportException.Reason.LOST, "the test dropped the"
                                + " connection " + (ranFirst ? "after" : "before") + " swtpm ran the command");
                    }
                    return real.transmit(command);
                }

                @Override
                public void close() {
                    real.close();
                }
            };
        }
    }
}
