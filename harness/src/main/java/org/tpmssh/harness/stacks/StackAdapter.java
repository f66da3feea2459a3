package org.tpmssh.harness.stacks;

import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Optional;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Combination;
import org.tpmssh.harness.backends.TpmBackend;
import org.tpmssh.harness.wire.TpmWireProxy;
import org.tpmssh.harness.wire.WireScan;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;

/**
 * One TPM-SSH stack under test, as scenarios see it: per backend a PIN token and a PIN-less token, keys in them,
 * and an agent or client that logs in with those keys.
 */
public interface StackAdapter {
    /** The user PIN of each stack's PIN token; a scenario about wrong PINs uses anything else. */
    String PIN = "482913";
    /** The SO PIN of each stack's PIN token; no scenario needs it, but a PIN token must have one. */
    String SO_PIN = "so-731955";
    /** The label of each stack's PIN token. */
    String PIN_TOKEN = "matrix";
    /** The label of each stack's PIN-less token. */
    String PINLESS_TOKEN = "matrix-pinless";

    /** The stack axis value, e.g. {@code java}. */
    String name();

    /** Why this stack cannot run {@code combination} here, or empty. */
    default Optional<String> unavailable(Combination combination) {
        return Optional.empty();
    }

    /**
     * Why this stack's keys do not live in {@code backend}'s own TPM, so that reading that TPM (its
     * dictionary-attack counter, a restart of it) says nothing about them; empty when they do.
     */
    default Optional<String> elsewhere(TpmBackend backend) {
        return Optional.empty();
    }

    /** What the report should say about this stack's installation, e.g. package versions; published per invocation. */
    default java.util.Map<String, String> reportEntries() {
        return java.util.Map.of();
    }

    /** Creates a key in the backend's TPM, on the stack's PIN token or, if {@code pinless}, its PIN-less token. */
    Key createKey(TpmBackend backend, KeyType type, boolean pinless, String comment) throws Exception;

    /** Imports the software key in {@code privateKeyFile} (as ssh-keygen writes it) into the PIN or PIN-less token. */
    Key importKey(TpmBackend backend, Path privateKeyFile, boolean pinless, String comment) throws Exception;

    /** Finds a stored key again, e.g. after the TPM restarted on the same state with the same stack dir. */
    Key loadKey(TpmBackend backend, Stored stored) throws Exception;

    /**
     * Serves {@code keys} as an ssh-agent on {@code socket}. The agent unlocks PIN keys with {@code pin}, given as
     * a user gives it (the Java stack: a 0600 PIN file), so a wrong PIN goes through the stack's real PIN path.
     */
    Agent startAgent(Path socket, List<? extends Key> keys, char[] pin) throws Exception;

    /**
     * The agent {@code client} logs in with: by default {@link #startAgent(Path, List, char[])}; a stack whose
     * {@link Client#SSH_PKCS11} client needs something else (its PKCS#11 module, see {@link Pkcs11ModuleAgent})
     * returns that.
     */
    default Agent startAgent(Client client, Path socket, List<? extends Key> keys, char[] pin) throws Exception {
        return startAgent(socket, keys, pin);
    }

    /**
     * A login path of the stack's own for {@code client} ({@code ssh -I} with a PKCS#11 module, a JCA provider
     * that needs its own process), run in {@code dir} against {@code server} with the keys and PIN {@code agent}
     * was started with; empty to log in through the agent socket or {@link Key#keyPair} as usual.
     */
    default Optional<CommandResult> login(Client client, SshServerUnderTest server, Agent agent, String algorithm,
            List<String> knownHostsLines, Path dir) throws Exception {
        return Optional.empty();
    }

    /**
     * Brings this stack's own state on {@code backend} to rest before an operation is measured on the wire: its
     * store and tokens exist, and the harness's own objects have given up their TPM slots, so the next span
     * holds only what the operation itself sends. By default nothing to do.
     */
    default void settle(TpmBackend backend) throws Exception {
    }

    /**
     * As {@link #startAgent}, but the agent reaches the TPM the way a user's agent process does, on a connection
     * of its own (for our stack: its own storage key and session), so what it sends from its start is all its
     * own. By default the same as {@link #startAgent}, for stacks whose agent is a process anyway.
     */
    default Agent startStandaloneAgent(TpmBackend backend, Path socket, List<? extends Key> keys, char[] pin)
            throws Exception {
        return startAgent(socket, keys, pin);
    }

    /**
     * The wire proxy this stack's TPM traffic crosses on {@code backend}, where one does: the backend's own by
     * default; a stack that keeps its store on a TPM of its own names that TPM's proxy.
     */
    default Optional<TpmWireProxy> wire(TpmBackend backend) throws Exception {
        return backend.wire();
    }

    /**
     * What this stack holds on {@code backend} that must never cross the TPM wire in clear, as far as the harness
     * can know it: by default the two PINs; a stack adds what it derives from them.
     */
    default List<WireScan.Secret> wireSecrets(TpmBackend backend) throws Exception {
        return List.of(WireScan.Secret.utf8("user PIN", PIN), WireScan.Secret.utf8("SO PIN", SO_PIN));
    }

    /** A key of the stack. */
    interface Key extends AutoCloseable {
        String authorizedKeysLine();

        /** The SSH public key blob, as an agent lists it. */
        byte[] publicKeyBlob();

        /**
         * Signs {@code data} as the agent would for a request with {@code flags}, unlocking a PIN key with
         * {@code pin}; throws the stack's error for a wrong PIN or lockout.
         */
        byte[] sign(byte[] data, int flags, char[] pin) throws Exception;

        /**
         * The key for JCA users (the MINA client, a MINA host key): a private key that signs in the TPM,
         * unlocked with {@code pin}.
         */
        KeyPair keyPair(char[] pin) throws Exception;

        /** Where the stack's store keeps this key, to find it again after a restart. */
        Stored stored();

        @Override
        void close();
    }

    /** A running agent. */
    interface Agent extends AutoCloseable {
        Path socketPath();

        @Override
        void close();
    }

    /** A key's place in a stack's store: its token and label (the store itself lives in the backend's stack dir). */
    record Stored(String token, String label) {
    }
}
