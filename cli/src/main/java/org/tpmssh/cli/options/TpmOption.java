package org.tpmssh.cli.options;

import java.time.Duration;
import java.util.Optional;
import org.tpmssh.emulators.TpmDevice;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmTransportException;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TpmTransport;
import org.tpmssh.tpm.transport.TransportException;
import org.tpmssh.tpm.transport.TransportTimeouts;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --tcti} and {@code --tpm-timeout} options every verb that talks to a TPM shares, and the one
 * rule for choosing the TPM: the option, else TPMSSH_TCTI, else the kernel's resource manager or device.
 */
public final class TpmOption {
    @Option(names = "--tcti", paramLabel = "<tcti>",
            description = "The TPM, e.g. swtpm:host=127.0.0.1,port=2321, mssim:host=…,port=…, device:/dev/tpmrm0,"
                    + " tabrmd:bus_type=session, or another tpm2-tss TCTI (cmd:…, libtss2-tcti-NAME.so.0:…)."
                    + " Default: TPMSSH_TCTI, else /dev/tpmrm0 or /dev/tpm0 when present.")
    String tcti;

    @Option(names = "--tpm-timeout", paramLabel = "<duration>", converter = TimeoutConverter.class,
            description = "How long to wait for each answer from the TPM, e.g. 90s, 500ms, 2m; a busy swtpm is found"
                    + " sooner (2 s, or half this). Default: " + TransportTimeouts.ENVIRONMENT_VARIABLE
                    + ", else 60 s.")
    Duration timeout;

    /**
     * The TPM named by {@code --tcti} or TPMSSH_TCTI, without looking for a device: for verbs to
     * which a TPM is optional.
     */
    public Optional<Tcti> named() throws TpmException {
        return tcti != null ? Optional.of(Tcti.parse(tcti)) : Tcti.fromEnvironment();
    }

    /** Connects to the TPM {@link #resolve()} chooses, within the bounds {@code --tpm-timeout} sets. */
    public TpmTransport open() throws TpmException {
        return open(resolve());
    }

    /** Connects to {@code target} within the bounds {@code --tpm-timeout} (else TPMSSH_TPM_TIMEOUT) sets. */
    public TpmTransport open(Tcti target) throws TpmException {
        try {
            return timeout != null ? target.open(timeout) : target.open();
        } catch (TransportException e) {
            throw new TpmTransportException(e);
        } catch (IllegalArgumentException e) {
            throw new TpmException(e.getMessage(), e); // a malformed TPMSSH_TPM_TIMEOUT
        }
    }

    /** {@link TransportTimeouts#parseDuration}, so the option and the variable read the same way. */
    static final class TimeoutConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return TransportTimeouts.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
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
