package org.tpmssh.scenarios;

import java.util.Optional;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TransportException;

/**
 * The TPM a scenario runs against: the TCTI given with {@code -Dtpmssh.tcti} (or
 * {@code tpmssh conformance --tcti}), else {@code TPMSSH_TCTI}, else a fresh swtpm started for
 * the suite. Only a TPM we
 * started ourselves gets its dictionary-attack limits relaxed; a given TPM is left as it is,
 * and nothing is persisted on it: every object is transient and flushed on close.
 */
final class ScenarioTpm implements AutoCloseable {
    static final String TCTI_PROPERTY = "tpmssh.tcti";

    private final Swtpm swtpm;
    final KeyRing ring;
    final String tcti;

    private ScenarioTpm(Swtpm swtpm, KeyRing ring, String tcti) {
        this.swtpm = swtpm;
        this.ring = ring;
        this.tcti = tcti;
    }

    static ScenarioTpm open() throws TpmException, TransportException {
        Optional<String> given = Optional.ofNullable(System.getProperty(TCTI_PROPERTY)).filter(s -> !s.isBlank())
                .or(() -> Tcti.fromEnvironment().map(Tcti::toString));
        Swtpm sw = given.isPresent() ? null : Swtpm.start();
        String tcti = given.orElseGet(() -> sw.tcti());
        try {
            Tpm tpm = new Tpm(Tcti.parse(tcti).open());
            if (sw != null) {
                org.tpmssh.tpm.commands.Startup.ensureStarted(tpm);
                DictionaryAttack.relaxForOwnSimulator(tpm);
            }
            return new ScenarioTpm(sw, KeyRing.open(tpm), tcti);
        } catch (TpmException | TransportException | RuntimeException e) {
            if (sw != null) {
                sw.close();
            }
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            ring.close();
        } finally {
            if (swtpm != null) {
                swtpm.close();
            }
        }
    }
}
