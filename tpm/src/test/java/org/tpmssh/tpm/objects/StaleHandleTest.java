package org.tpmssh.tpm.objects;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.CreatePrimary;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.FlushContext;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.commands.Sign;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Alg;
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
 * A TPM shared without a resource manager: between our signatures another client runs the real
 * {@code tpm2_flushcontext -t}, and may load its own object into the slot our SRK had. The next signature
 * succeeds, and the other client's object is left alone.
 */
class StaleHandleTest {
    private static final byte[] PIN = "stale-pin-3".getBytes(StandardCharsets.UTF_8);

    @Test
    void anotherClientsFlushAllIsRecoveredAndItsOwnObjectIsNeverFlushedByUs() throws Exception {
        try (Swtpm swtpm = Swtpm.start()) {
            ReconnectingTransport transport = Tcti.parse(swtpm.tcti()).open();
            try (KeyRing ring = KeyRing.open(new Tpm(transport))) {
                DictionaryAttack.relaxForOwnSimulator(ring.tpm());
                TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "k");
                assertSigns(ring, key, "before");
                int srkHandle = ring.srk().handle;
                assertThat(srkHandle).isNotZero();

                // swtpm serves one client at a time: we let go between requests, as a polite client would.
                transport.disconnect();
                flushAllTransients(swtpm);
                CreatePrimary.Result foreign = foreignObject(swtpm);
                assertThat(foreign.handle()).as("the other client's object took our SRK's old slot")
                        .isEqualTo(srkHandle);

                assertSigns(ring, key, "after tpm2_flushcontext -t and a foreign object in our old slot");
                assertThat(new ReadPublic(foreign.handle()).execute(ring.tpm()).name())
                        .as("the foreign object is still loaded").isEqualTo(foreign.name());
                new FlushContext(foreign.handle()).execute(ring.tpm()); // ours to clean: this test made it
            }
        }
    }

    /**
     * The cache's own recovery, on a connection that never dropped: a multiplexing proxy without a resource
     * manager would look like this. Fakes only that: the transport hides its reconnection (its generation stays
     * 1) so that nothing but the stale handle tells the cache that its objects are gone.
     */
    @Test
    void aStaleHandleIsReloadedFromItsBlobOnce() throws Exception {
        try (Swtpm swtpm = Swtpm.start()) {
            HiddenReconnects transport = new HiddenReconnects(Tcti.parse(swtpm.tcti()).open());
            try (KeyRing ring = KeyRing.open(new Tpm(transport))) {
                TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, true), new byte[0], "p");
                byte[] message = "signed through the cache".getBytes(StandardCharsets.UTF_8);
                byte[] digest = Alg.hash(Alg.SHA256, message);
                signThroughTheCache(ring, key, digest);

                transport.inner.disconnect();
                flushAllTransients(swtpm);

                Signature s = signThroughTheCache(ring, key, digest);
                assertThat(Verify.jca(key.publicArea().toPublicKey(), message, s)).isTrue();
                assertThat(transport.generation()).isEqualTo(1);
            }
        }
    }

    private static Signature signThroughTheCache(KeyRing ring, TpmObject key, byte[] digest) throws Exception {
        return ring.cache().use(key, h -> new Sign(new AuthHandle(h, key.name(), new byte[0], Session.password()),
                digest, Alg.ECDSA, Alg.SHA256).execute(ring.tpm()));
    }

    /** The other client's object: a primary we do not hold, made over a connection of its own. */
    private static CreatePrimary.Result foreignObject(Swtpm swtpm) throws Exception {
        try (Tpm other = new Tpm(Tcti.parse(swtpm.tcti()).connect(TransportTimeouts.DEFAULT))) {
            return new CreatePrimary(AuthHandle.permanent(Handles.RH_OWNER, null, Session.password()),
                    Templates.srkRsa(), null).execute(other);
            // swtpm has no resource manager: the object stays loaded after this connection closes.
        }
    }

    /** The real tpm2-tools, as the other client: flushes every transient object in the TPM. */
    private static void flushAllTransients(Swtpm swtpm) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("tpm2_flushcontext", "-t").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("TPM2TOOLS_TCTI", swtpm.tcti());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        try (Tpm look = new Tpm(Tcti.parse(swtpm.tcti()).connect(TransportTimeouts.DEFAULT))) {
            assertThat(GetCapability.handles(look, Handles.TRANSIENT_FIRST)).as("tpm2_flushcontext -t flushed all")
                    .isEmpty();
        }
    }

    private static void assertSigns(KeyRing ring, TpmObject key, String when) throws Exception {
        byte[] message = when.getBytes(StandardCharsets.UTF_8);
        Signature s = ring.sign(key, PIN, Alg.hash(Alg.SHA256, message), Alg.ECDSA, Alg.SHA256);
        assertThat(Verify.jca(key.publicArea().toPublicKey(), message, s)).as(when).isTrue();
    }

    /** A transport that reconnects without saying so (generation always 1). */
    static final class HiddenReconnects implements TpmTransport {
        final ReconnectingTransport inner;

        HiddenReconnects(ReconnectingTransport inner) {
            this.inner = inner;
        }

        @Override
        public byte[] transmit(byte[] command) throws TransportException {
            return inner.transmit(command);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
