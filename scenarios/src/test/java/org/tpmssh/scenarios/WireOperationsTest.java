package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.latency.AgentRoundTrip;
import org.tpmssh.harness.matrix.LoginDiagnosis;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.matrix.WireOperation;
import org.tpmssh.harness.matrix.WireSpan;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.harness.tpm2pkcs11.Tpm2Pkcs11Stack;
import org.tpmssh.harness.wire.Exchange;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshPublicKeys;

/**
 * What each operation of a stack costs in TPM commands, counted on the wire proxy between the stack and the TPM:
 * key create and import, agent start, the first and a steady signature, a login, and for tpm2-pkcs11 an
 * {@code ssh -I} login and a {@code pkcs11-tool --sign} process. The report's commands-per-operation table, and with
 * a latency profile its projected times, come from these spans (docs/tpm-wire.md).
 */
@DisplayName("TPM commands per operation, on the wire")
class WireOperationsTest {
    private static final int STEADY_SIGNS = 5;
    private static final int LOGINS = 3;
    private static final byte[] DATA = "signed by pkcs11-tool".getBytes(StandardCharsets.UTF_8);

    @TpmMatrix(servers = Server.OPENSSH, clients = Client.SSH_AGENT, origins = Origin.CREATED)
    @DisplayName("each operation's TPM commands cross the wire and are counted")
    void eachOperationIsCountedOnTheWire(MatrixRun run) throws Exception {
        run.requireWire();
        run.stack().settle(run.backend()); // the store and its tokens are made before, not inside, key create
        StackAdapter.Key key;
        try (WireSpan op = run.wireOperation(WireOperation.KEY_CREATE)) {
            key = run.key(Origin.CREATED, "tpmssh-wire");
            assertThat(op.exchanges()).extracting(Exchange::commandName).as("key create").contains("Create");
            op.done();
        }
        try (WireSpan op = run.wireOperation(WireOperation.KEY_IMPORT)) {
            run.key(Origin.IMPORTED, "tpmssh-wire-import");
            assertThat(op.exchanges()).extracting(Exchange::commandName).as("key import").contains("Import");
            op.done();
        }
        PublicKey publicKey = SshPublicKeys.parse(key.publicKeyBlob());
        SshServerUnderTest server = run.server(List.of(key.authorizedKeysLine()));
        StackAdapter.Agent agent;
        run.stack().settle(run.backend()); // the harness's own objects leave the TPM's slots to the agent
        try (WireSpan op = run.wireOperation(WireOperation.AGENT_START)) {
            agent = run.standaloneAgent(List.of(key));
            agent.socketPath(); // tpm2-pkcs11's ssh-agent and ssh-add -s run on first use
            op.done();
        }
        sign(run, agent, key, publicKey, WireOperation.COLD_SIGN);
        for (int i = 0; i < STEADY_SIGNS; i++) {
            sign(run, agent, key, publicKey, WireOperation.STEADY_SIGN);
        }
        List<Client> clients = run.stack() instanceof Tpm2Pkcs11Stack ? List.of(Client.SSH_AGENT, Client.SSH_PKCS11)
                : List.of(Client.SSH_AGENT);
        for (Client client : clients) {
            for (int i = 0; i < LOGINS; i++) {
                CommandResult r = run.login(client, server, agent, null, null, true);
                assertThat(r.succeeded()).as(() -> client.label() + ": " + LoginDiagnosis.explain(r)).isTrue();
                LoginTest.assertTheTpmSigned(run, key);
            }
        }
        // ECC only: for an RSA key, pkcs11-tool 0.23 --sign -m RSA-PKCS got CKR_MECHANISM_INVALID from
        // tpm2-pkcs11 1.9 once the token also held ECC keys, though ssh-agent signs with the same key and
        // mechanism (docs/tpm-wire.md).
        if (run.stack() instanceof Tpm2Pkcs11Stack && publicKey instanceof java.security.interfaces.ECPublicKey) {
            try (WireSpan op = run.wireOperation(WireOperation.PKCS11_TOOL_SIGN)) {
                // The stack's own sign outside ssh: one pkcs11-tool --sign process on the module.
                byte[] blob = key.sign(DATA, AgentKey.SSH_AGENT_RSA_SHA2_256, run.pin());
                java.security.interfaces.ECPublicKey ec = (java.security.interfaces.ECPublicKey) publicKey;
                SshCurve curve = SshCurve.of(ec.getParams()).orElseThrow();
                java.security.Signature v = java.security.Signature.getInstance(curve.jcaSignatureAlgorithm());
                v.initVerify(publicKey);
                v.update(DATA);
                assertThat(v.verify(SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(curve, blob))))
                        .as("JCA verifies pkcs11-tool's signature").isTrue();
                assertThat(op.tpmSignsWith(publicKey)).as("TPM2_Sign with the key on the wire").isEqualTo(1);
                op.done();
            }
        }
    }

    /**
     * One bare agent sign request, verified by JCA; exactly one signing command with the key must cross the wire
     * (TPM2_Sign, or tpm2-pkcs11's TPM2_RSA_Decrypt for RSA).
     */
    private static void sign(MatrixRun run, StackAdapter.Agent agent, StackAdapter.Key key, PublicKey publicKey,
            WireOperation kind) throws Exception {
        try (WireSpan op = run.wireOperation(kind)) {
            assertThat(AgentRoundTrip.measure(agent.socketPath(), key.publicKeyBlob(),
                    AgentKey.SSH_AGENT_RSA_SHA2_256, 1, run.combination().id())).as("JCA verifies the signature")
                    .isEqualTo(1);
            assertThat(op.tpmSignsWith(publicKey)).as("%s: TPM2_Sign with the key on the wire; the wire had %s",
                    kind.label(), op.exchanges()).isEqualTo(1);
            op.done();
        }
    }
}
