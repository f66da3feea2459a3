package org.tpmssh.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.tpmssh.stack.agent.AgentKey;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * One TPM-SSH stack under test: ours in Java now, the system tpm2-pkcs11 later. Scenarios talk only to this,
 * so a stack that signs the wrong thing fails the same scenarios a correct one passes.
 */
public interface StackAdapter {

    /** The stack axis value, e.g. {@code java}. */
    String name();

    /** Why this stack cannot run {@code combination} here, or empty. */
    default Optional<String> unavailable(Combination combination) {
        return Optional.empty();
    }

    /** Creates a key in the backend's TPM; a null or empty PIN makes a PIN-less key. */
    Key createKey(TpmBackend backend, KeyType type, char[] pin, String comment) throws Exception;

    /** Brings back a key from what {@link Key#stored()} gave, e.g. after the TPM restarted on the same state. */
    Key loadKey(TpmBackend backend, Stored stored, char[] pin) throws Exception;

    /** Serves {@code keys} as an ssh-agent on {@code socket}. */
    Agent startAgent(Path socket, List<? extends Key> keys) throws Exception;

    /** A key as a client sees it: an agent identity plus its authorized_keys line. */
    interface Key extends AgentKey, AutoCloseable {
        String authorizedKeysLine();

        /** What a token store would keep of this key, when the stack exposes it. */
        Optional<Stored> stored();

        @Override
        void close();
    }

    /** A running agent. */
    interface Agent extends AutoCloseable {
        Path socketPath();

        @Override
        void close();
    }

    /** A key's stored form: the TPM private blob, its public area and its comment. */
    record Stored(byte[] privateBlob, TpmtPublic publicArea, String comment) {
        public Stored {
            privateBlob = privateBlob.clone();
        }

        @Override
        public byte[] privateBlob() {
            return privateBlob.clone();
        }
    }
}
