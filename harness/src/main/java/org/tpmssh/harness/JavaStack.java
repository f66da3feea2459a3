package org.tpmssh.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.tpmssh.stack.agent.AgentSignException;
import org.tpmssh.stack.agent.SshAgentServer;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.tpm.objects.TpmObject;

/** Our Java stack (TpmSshKey through SshAgentServer), timing each sign for the {@link LatencySink}. */
public final class JavaStack implements StackAdapter {
    public static final String NAME = "java";

    private final String combination;

    /** @param combination the report key timings are recorded under */
    public JavaStack(String combination) {
        this.combination = combination;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Key createKey(TpmBackend backend, KeyType type, char[] pin, String comment) throws Exception {
        return new JavaKey(TpmSshKeys.create(backend.ring(), type, pin, comment), combination);
    }

    @Override
    public Key loadKey(TpmBackend backend, Stored stored, char[] pin) throws Exception {
        TpmObject object = backend.ring().register(stored.privateBlob(), stored.publicArea(), stored.comment());
        return new JavaKey(TpmSshKeys.fromObject(backend.ring(), object, pin, stored.comment()), combination);
    }

    @Override
    public Agent startAgent(Path socket, List<? extends Key> keys) throws Exception {
        List<Key> copy = List.copyOf(keys);
        SshAgentServer server = SshAgentServer.start(socket, () -> copy);
        return new Agent() {
            @Override
            public Path socketPath() {
                return server.socketPath();
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }

    /** A TpmSshKey with a timer around sign. */
    private static final class JavaKey implements Key {
        private final TpmSshKey key;
        private final String combination;

        JavaKey(TpmSshKey key, String combination) {
            this.key = key;
            this.combination = combination;
        }

        @Override
        public byte[] publicKeyBlob() {
            return key.publicKeyBlob();
        }

        @Override
        public String comment() {
            return key.comment();
        }

        @Override
        public byte[] sign(byte[] data, int flags) throws AgentSignException {
            long start = System.nanoTime();
            byte[] signature = key.sign(data, flags);
            LatencySink.current().record(combination, LatencySink.Operation.STACK_SIGN, System.nanoTime() - start);
            return signature;
        }

        @Override
        public String authorizedKeysLine() {
            return key.authorizedKeysLine();
        }

        @Override
        public Optional<Stored> stored() {
            return key.object().privateBlob().map(blob -> new Stored(blob, key.object().publicArea(), key.comment()));
        }

        @Override
        public void close() {
            key.close();
        }
    }
}
