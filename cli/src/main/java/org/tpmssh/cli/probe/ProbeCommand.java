package org.tpmssh.cli.probe;

import java.io.PrintWriter;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.tpmssh.cli.options.TpmOption;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmInfo;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.Startup;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.transport.Tcti;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code tpmssh probe}: which TPM a TCTI reaches and what it supports. It sends only
 * TPM2_GetCapability (and Startup when asked), so it is safe on a lab's real TPM.
 */
@Command(name = "probe", description = "Show which TPM a TCTI reaches and what it supports. Changes nothing.")
public final class ProbeCommand implements Callable<Integer> {
    private static final Map<Integer, String> NAMES = new TreeMap<>(Map.ofEntries(
            Map.entry(Alg.RSA, "rsa"), Map.entry(Alg.SHA1, "sha1"), Map.entry(Alg.HMAC, "hmac"),
            Map.entry(Alg.AES, "aes"), Map.entry(Alg.KEYEDHASH, "keyedhash"), Map.entry(Alg.SHA256, "sha256"),
            Map.entry(Alg.SHA384, "sha384"), Map.entry(Alg.SHA512, "sha512"), Map.entry(Alg.RSASSA, "rsassa"),
            Map.entry(Alg.RSAES, "rsaes"), Map.entry(Alg.RSAPSS, "rsapss"), Map.entry(Alg.OAEP, "oaep"),
            Map.entry(Alg.ECDSA, "ecdsa"), Map.entry(Alg.ECDH, "ecdh"), Map.entry(Alg.ECC, "ecc"),
            Map.entry(Alg.CFB, "cfb")));
    private static final Map<Integer, String> CURVES = Map.of(
            Alg.ECC_NIST_P256, "nist-p256", Alg.ECC_NIST_P384, "nist-p384", Alg.ECC_NIST_P521, "nist-p521");

    @Spec
    CommandSpec spec;

    @Mixin
    TpmOption tpmOption;

    @Option(names = "--startup", description = "Send TPM2_Startup(CLEAR) first, for a simulator that was"
            + " just powered on. Never needed on a real TPM.")
    boolean startup;

    @Override
    public Integer call() throws Exception {
        Tcti target = tpmOption.resolve();
        PrintWriter out = spec.commandLine().getOut();
        try (Tpm tpm = new Tpm(tpmOption.open(target))) {
            if (startup) {
                Startup.ensureStarted(tpm);
            }
            TpmInfo info;
            try {
                info = TpmInfo.read(tpm);
            } catch (TpmResponseException e) {
                if (e.is(ResponseCodes.INITIALIZE)) {
                    throw new TpmException("the TPM at " + target + " has not been started; for a simulator,"
                            + " run again with --startup");
                }
                throw e;
            }
            out.println("TPM at " + target);
            row(out, "manufacturer", info.manufacturer());
            row(out, "vendor", info.vendorString());
            row(out, "firmware", info.firmwareVersion());
            row(out, "specification", info.specRevision());
            row(out, "ECC curves", names(info.eccCurves(), CURVES));
            row(out, "algorithms", names(info.algorithms(), NAMES));
            row(out, "object slots", info.transientSlotsMin() + " guaranteed (TPM_PT_HR_TRANSIENT_MIN)");
        }
        out.flush();
        return 0;
    }

    private static void row(PrintWriter out, String name, String value) {
        out.printf("  %-14s %s%n", name, value.isEmpty() ? "-" : value);
    }

    private static String names(Set<Integer> ids, Map<Integer, String> known) {
        String listed = ids.stream().filter(known::containsKey).map(known::get).collect(Collectors.joining(" "));
        long others = ids.stream().filter(id -> !known.containsKey(id)).count();
        return others == 0 ? listed : listed + " (+" + others + " more)";
    }
}
