package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.matrix.LoginDiagnosis;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.JavaStack;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.harness.wire.Exchange;
import org.tpmssh.harness.wire.TpmWireProxy;
import org.tpmssh.harness.wire.WireScan;
import org.tpmssh.harness.wire.WireSink;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.stack.keys.PassphraseSource;
import org.tpmssh.stack.keys.PrivateKeyFiles;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;

/**
 * Every byte a stack sent to its TPM and got back in this run, scanned for its PINs, what it derives from them and
 * an imported key's private half, in clear (raw, hex or base64). Our stack must show none; another stack's findings
 * go to the report as findings. A control plants a secret in clear on the same wire and must be caught, so a clean
 * scan cannot come from a scan that saw nothing (docs/tpm-wire.md, "Scan").
 */
@DisplayName("No secret crosses the TPM wire in clear")
class WireSecretsTest {
    /** TPM2_Hash: its data goes to the TPM as a plain parameter, which makes it the control's carrier. */
    private static final int TPM2_HASH = 0x17D;
    private static final byte[] PLANTED = "tpmssh-planted-control-secret".getBytes(StandardCharsets.UTF_8);

    @TpmMatrix(servers = Server.OPENSSH, clients = Client.SSH_AGENT, origins = Origin.IMPORTED)
    @DisplayName("the stack's secrets are not on the wire in clear, and a planted one is found")
    void noSecretOnTheWireInClear(MatrixRun run) throws Exception {
        TpmWireProxy wire = run.requireWire();
        StackAdapter.Key key = run.key("tpmssh-wire-scan");
        try (StackAdapter.Agent agent = run.agent(List.of(key))) {
            CommandResult r = run.login(run.server(List.of(key.authorizedKeysLine())), agent);
            assertThat(r.succeeded()).as(() -> LoginDiagnosis.explain(r)).isTrue();
        }
        List<WireScan.Secret> secrets = new ArrayList<>(run.stack().wireSecrets(run.backend()));
        secrets.add(privateHalf(run.originalKeyFile(key).orElseThrow()));
        List<Exchange> life = wire.exchanges();
        List<WireScan.Finding> findings = WireScan.scan(life, secrets);

        long plantedAt = plantInClear(wire);
        List<WireScan.Finding> control = WireScan.scan(wire.exchanges().stream().filter(e -> e.seq() >= plantedAt)
                .toList(), List.of(new WireScan.Secret("planted control secret", PLANTED)));
        boolean ours = run.stack() instanceof JavaStack;
        WireSink.current().scan(new WireSink.Scan(run.combination().backend().label(), run.stack().name(),
                life.size(), WireScan.bytesScanned(life), secrets.stream().map(WireScan.Secret::name).toList(),
                findings, ours, !control.isEmpty()));

        assertThat(control).as("the control: a secret planted in clear on the same wire is found").isNotEmpty();
        assertThat(life).as("TPM traffic of the stack on this backend").hasSizeGreaterThan(10);
        if (ours) {
            assertThat(findings).as("secrets of our stack in clear on the wire").isEmpty();
        }
    }

    /** The imported key's private half as the TPM would hold it: ECC d, or RSA's first prime. */
    private static WireScan.Secret privateHalf(Path keyFile) throws Exception {
        KeyPair pair = PrivateKeyFiles.read(keyFile, PassphraseSource.none());
        if (pair.getPrivate() instanceof ECPrivateKey ec) {
            int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
            return new WireScan.Secret("imported private key", fixed(ec.getS(), size));
        }
        RSAPrivateCrtKey rsa = (RSAPrivateCrtKey) pair.getPrivate();
        return new WireScan.Secret("imported private key (prime p)",
                fixed(rsa.getPrimeP(), (rsa.getPrimeP().bitLength() + 7) / 8));
    }

    private static byte[] fixed(BigInteger v, int size) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[size];
        int n = Math.min(b.length, size);
        System.arraycopy(b, b.length - n, out, size - n, n);
        return out;
    }

    /** Sends the planted secret in clear, as TPM2_Hash's data, on a connection of its own; returns where it began. */
    private static long plantInClear(TpmWireProxy wire) throws Exception {
        long from = wire.exchanges().size() == 0 ? 0 : wire.exchanges().get(wire.exchanges().size() - 1).seq() + 1;
        try (Tpm tpm = new Tpm(Tcti.parse(wire.tcti()).open())) {
            byte[] params = new TpmWriter().tpm2b(PLANTED).u16(Alg.SHA256).u32(Handles.RH_NULL).toByteArray();
            tpm.executeSimple(TPM2_HASH, params, 0);
        }
        return from;
    }
}
