package org.tpmssh.scenarios;

import static org.tpmssh.axes.Client.MINA_JCA;
import static org.tpmssh.axes.Client.SSH_AGENT;
import static org.tpmssh.axes.KeyAlgorithm.ECC_P256;
import static org.tpmssh.axes.KeyAlgorithm.RSA_2048;
import static org.tpmssh.axes.Origin.CREATED;
import static org.tpmssh.axes.Origin.IMPORTED;
import static org.tpmssh.axes.Server.MINA;
import static org.tpmssh.axes.Server.OPENSSH;
import static org.tpmssh.scenarios.FaultyStack.Fault.IGNORES_CONFIRM;
import static org.tpmssh.scenarios.FaultyStack.Fault.IGNORES_LIFETIME;
import static org.tpmssh.scenarios.FaultyStack.Fault.IGNORES_LOCK;
import static org.tpmssh.scenarios.FaultyStack.Fault.IGNORES_PIN;
import static org.tpmssh.scenarios.FaultyStack.Fault.IGNORES_REQUESTED_RSA_HASH;
import static org.tpmssh.scenarios.FaultyStack.Fault.IMPORTS_ANOTHER_KEY;
import static org.tpmssh.scenarios.FaultyStack.Fault.LISTS_A_KEY_NOT_IN_THE_TOKEN;
import static org.tpmssh.scenarios.FaultyStack.Fault.LOCKOUT_REPORTED_AS_WRONG_PIN;
import static org.tpmssh.scenarios.FaultyStack.Fault.RAW_R_S_ENCODING;
import static org.tpmssh.scenarios.FaultyStack.Fault.REPORTS_DIFFERENT_PUBLIC_KEY;
import static org.tpmssh.scenarios.FaultyStack.Fault.SIGNS_WITH_SOFTWARE_COPY;
import static org.tpmssh.scenarios.FaultyStack.Fault.SIGNS_WRONG_DATA;
import static org.tpmssh.scenarios.FaultyStack.Fault.WRONG_HASH_FOR_RSA_SHA2_512;

import java.util.List;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.KeyAlgorithm;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;

/**
 * Which scenario must catch which seeded fault, on which client and server, and what its failure must say. Each
 * row is run on its own by {@link FaultyStackTest}, and the correct stack must pass the same rows. A stack that
 * signs with a software copy of its key is caught by LoginTest's residency check, which helper "wireint" adds
 * with that fault. The table in docs/harness.md is this one, in words.
 */
final class FaultCatalogue {

    /** The combination a row runs on; its id names the correct stack's run of the same rows. */
    record On(Client client, Server server, KeyAlgorithm key, Origin origin) {
        @Override
        public String toString() {
            return client.label() + " | " + server.label() + " | " + key.label() + " | " + origin.label();
        }
    }

    /** One fault, the scenario method that must catch it on {@code on}, and the words its failure must hold. */
    record Row(FaultyStack.Fault fault, Class<?> scenario, String method, On on, String reason) {
        @Override
        public String toString() {
            return fault + " by " + scenario.getSimpleName() + "." + method + " [" + on + "]";
        }
    }

    private static final On AGENT_OPENSSH = new On(SSH_AGENT, OPENSSH, ECC_P256, CREATED);
    private static final On JCA_MINA = new On(MINA_JCA, MINA, ECC_P256, CREATED);
    private static final On AGENT_MINA = new On(SSH_AGENT, MINA, ECC_P256, CREATED);
    private static final On RSA_AGENT_OPENSSH = new On(SSH_AGENT, OPENSSH, RSA_2048, CREATED);
    private static final On RSA_JCA_OPENSSH = new On(MINA_JCA, OPENSSH, RSA_2048, CREATED);
    private static final On RSA_JCA_MINA = new On(MINA_JCA, MINA, RSA_2048, CREATED);
    private static final On IMPORTED_AGENT_OPENSSH = new On(SSH_AGENT, OPENSSH, ECC_P256, IMPORTED);

    private static final String LOGIN = "sshLogsInWithTheTpmKey";
    private static final String BAD_SIGNATURE = "signature did not verify with the key in authorized_keys";
    private static final String MINA_REFUSED = "the MINA client could not log in";

    static final List<Row> ROWS = List.of(
            new Row(SIGNS_WRONG_DATA, LoginTest.class, LOGIN, AGENT_OPENSSH, BAD_SIGNATURE),
            new Row(SIGNS_WRONG_DATA, LoginTest.class, LOGIN, JCA_MINA, MINA_REFUSED),
            new Row(SIGNS_WRONG_DATA, TpmHostKeyTest.class, "hostKeyComesFromTheTpm", AGENT_MINA,
                    "a client trusting the TPM host key"),
            new Row(RAW_R_S_ENCODING, LoginTest.class, LOGIN, AGENT_OPENSSH, BAD_SIGNATURE),
            new Row(RAW_R_S_ENCODING, LoginTest.class, LOGIN, JCA_MINA, MINA_REFUSED),
            new Row(WRONG_HASH_FOR_RSA_SHA2_512, RsaSignatureAlgorithmsTest.class, "rsaSha2With512",
                    RSA_AGENT_OPENSSH, "rsa-sha2-512 signature did not verify"),
            new Row(WRONG_HASH_FOR_RSA_SHA2_512, RsaSignatureAlgorithmsTest.class, "rsaSha2With512",
                    RSA_JCA_OPENSSH, "rsa-sha2-512 signature did not verify"),
            new Row(IGNORES_REQUESTED_RSA_HASH, RsaSignatureAlgorithmsTest.class, "rsaSha2With256",
                    RSA_AGENT_OPENSSH, "rsa-sha2-256 signature did not verify"),
            new Row(IGNORES_REQUESTED_RSA_HASH, RsaSignatureAlgorithmsTest.class, "rsaSha2With256",
                    RSA_JCA_MINA, "rsa-sha2-256 signature did not verify"),
            new Row(IGNORES_PIN, WrongPinTest.class, "wrongPinIsRefusedAndCounted", AGENT_OPENSSH,
                    "a wrong PIN was accepted"),
            new Row(IGNORES_PIN, LockoutTest.class, "lockoutIsReported", AGENT_OPENSSH, "a wrong PIN was accepted"),
            new Row(REPORTS_DIFFERENT_PUBLIC_KEY, LoginTest.class, LOGIN, AGENT_OPENSSH, BAD_SIGNATURE),
            new Row(REPORTS_DIFFERENT_PUBLIC_KEY, LoginTest.class, LOGIN, JCA_MINA, MINA_REFUSED),
            new Row(REPORTS_DIFFERENT_PUBLIC_KEY, SshSigRoundTripTest.class, "signThenVerifyWithTheAuthorizedKey",
                    AGENT_OPENSSH, "the key in authorized_keys did not make it"),
            new Row(REPORTS_DIFFERENT_PUBLIC_KEY, AgentListsKeysTest.class, "agentListsExactlyTheTokensKeys",
                    AGENT_OPENSSH, "the agent lists a key that does not make its signatures"),
            new Row(LISTS_A_KEY_NOT_IN_THE_TOKEN, AgentListsKeysTest.class, "agentListsExactlyTheTokensKeys",
                    AGENT_OPENSSH, "two different keys"),
            new Row(IMPORTS_ANOTHER_KEY, LoginTest.class, LOGIN, IMPORTED_AGENT_OPENSSH,
                    "fingerprint of the imported key"),
            new Row(LOCKOUT_REPORTED_AS_WRONG_PIN, LockoutTest.class, "lockoutIsReported", AGENT_OPENSSH,
                    "the DA lockout was not surfaced"),
            new Row(IGNORES_LIFETIME, AgentConstraintsTest.class, "aKeyAddedWithALifetimeIsForgottenWhenItEnds",
                    AGENT_OPENSSH, "the agent ignored the lifetime"),
            new Row(IGNORES_CONFIRM, AgentConstraintsTest.class, "aKeyAddedForConfirmationIsNotUsedUnconfirmed",
                    AGENT_OPENSSH, "the agent ignored ssh-add -c"),
            new Row(IGNORES_LOCK, AgentConstraintsTest.class, "aLockedAgentSignsNothingUntilUnlocked",
                    AGENT_OPENSSH, "the agent ignored the lock"),
            new Row(SIGNS_WITH_SOFTWARE_COPY, LoginTest.class, LOGIN, AGENT_OPENSSH,
                    "the TPM signed the login: TPM2_Sign"));

    private FaultCatalogue() {
    }
}
