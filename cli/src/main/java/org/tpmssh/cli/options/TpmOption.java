package org.tpmssh.cli.options;

import java.util.Optional;
import org.tpmssh.emulators.TpmDevice;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.transport.Tcti;
import picocli.CommandLine.Option;

/**
 * The {@code --tcti} option every verb that talks to a TPM shares, and the one rule for choosing
 * the TPM: the option, else TPMSSH_TCTI, else the kernel's resource manager or device.
 */
public final class TpmOption {
    @Option(names = "--tcti", paramLabel = "<tcti>",
            description = "The TPM, e.g. swtpm:host=127.0.0.1,port=2321, mssim:host=…,port=…, device:/dev/tpmrm0,"
                    + " tabrmd:bus_type=session, or another tpm2-tss TCTI (cmd:…, libtss2-tcti-NAME.so.0:…)."
                    + " Default: TPMSSH_TCTI, else /dev/tpmrm0 or /dev/tpm0 when present.")
    String tcti;

    /**
     * The TPM named by {@code --tcti} or TPMSSH_TCTI, without looking for a device: for verbs to
     * which a TPM is optional.
     */
    public Optional<Tcti> named() throws TpmException {
        return tcti != null ? Optional.of(Tcti.parse(tcti)) : Tcti.fromEnvironment();
    }

    /** The TPM this command is to use, or an actionable error when there is none. */
    public Tcti resolve() throws TpmException {
        if (tcti != null) {
            return Tcti.parse(tcti);
        }
        Optional<Tcti> env = Tcti.fromEnvironment();
        if (env.isPresent()) {
            return env.get();
        }
        TpmDevice.Probe probe = TpmDevice.probe();
        if (probe.device().isPresent()) {
            return Tcti.parse(probe.device().get().tcti());
        }
        throw new TpmException("no TPM found: " + probe.reason() + "; give --tcti (e.g."
                + " swtpm:host=127.0.0.1,port=2321) or set " + Tcti.ENVIRONMENT_VARIABLE);
    }
}
