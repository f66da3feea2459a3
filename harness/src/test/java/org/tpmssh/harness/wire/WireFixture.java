package org.tpmssh.harness.wire;

import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.transport.Tcti;

/**
 * A real swtpm with fresh state and the wire proxy in front of it; closing stops both. The DA limits are
 * raised (our own simulator) so tests that are not about lockout cannot trip it.
 */
final class WireFixture implements AutoCloseable {
    final Swtpm swtpm;
    final TpmWireProxy proxy;

    private WireFixture(Swtpm swtpm, TpmWireProxy proxy) {
        this.swtpm = swtpm;
        this.proxy = proxy;
    }

    static WireFixture start() throws Exception {
        return start(TpmWireProxy.DEFAULT_TPM_TIMEOUT);
    }

    static WireFixture start(Duration tpmTimeout) throws Exception {
        Swtpm swtpm = Swtpm.start();
        try {
            try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
                DictionaryAttack.relaxForOwnSimulator(tpm);
            }
            return new WireFixture(swtpm, TpmWireProxy.builder(swtpm.tcti()).tpmTimeout(tpmTimeout).start());
        } catch (Exception | Error e) {
            swtpm.close();
            throw e;
        }
    }

    /** Our command layer on a new connection through the proxy. */
    Tpm tpm() throws Exception {
        return new Tpm(Tcti.parse(proxy.tcti()).open());
    }

    /** Our command layer through the proxy, giving up on a command after {@code timeout}. */
    Tpm tpm(Duration timeout) throws Exception {
        return new Tpm(Tcti.parse(proxy.tcti()).open(timeout));
    }

    /**
     * The TPM's loaded transient objects and sessions (loaded and saved), read on a connection of its own
     * through the proxy, which can share swtpm with a connection a test holds open.
     */
    HandleLists handleLists() throws Exception {
        try (Tpm tpm = tpm()) {
            return new HandleLists(sorted(tpm, Handles.TRANSIENT_FIRST), sorted(tpm, 0x02000000),
                    sorted(tpm, 0x03000000));
        }
    }

    private static List<Integer> sorted(Tpm tpm, int first) throws TpmException {
        return new ArrayList<>(new TreeSet<>(GetCapability.handles(tpm, first)));
    }

    /** The three handle lists a leak would show in. */
    record HandleLists(List<Integer> transients, List<Integer> loadedSessions, List<Integer> savedSessions) {
        @Override
        public String toString() {
            return "transient " + hex(transients) + ", loaded sessions " + hex(loadedSessions) + ", saved sessions "
                    + hex(savedSessions);
        }

        private static List<String> hex(List<Integer> handles) {
            return handles.stream().map(Handles::hex).toList();
        }
    }

    /** JCA checks an ECDSA or RSASSA signature over {@code message}: the oracle is the JDK, not our code. */
    static boolean verifies(PublicKey key, byte[] message, Signature sig) throws Exception {
        String hash = Alg.hashName(sig.hash()).replace("-", "");
        java.security.Signature v = java.security.Signature.getInstance(hash + (sig.isEcdsa() ? "withECDSA" : "withRSA"));
        v.initVerify(key);
        v.update(message);
        return v.verify(sig.isEcdsa() ? sig.toDer() : sig.rsa());
    }

    static byte[] sha256(byte[] message) {
        return Alg.hash(Alg.SHA256, message);
    }

    @Override
    public void close() {
        try {
            proxy.close();
        } finally {
            swtpm.close();
        }
    }
}
