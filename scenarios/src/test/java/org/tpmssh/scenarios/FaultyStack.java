package org.tpmssh.scenarios;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.tpmssh.harness.MatrixRun;
import org.tpmssh.harness.StackAdapter;
import org.tpmssh.harness.TpmBackend;
import org.tpmssh.stack.agent.AgentSignException;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/**
 * Test-only: our Java stack with one seeded fault, so the scenarios can prove they catch it. Every fault is
 * one a real stack has shipped with: signing other bytes, the wrong signature encoding or hash, not checking
 * the PIN, or offering a public key that is not the one that signs.
 */
final class FaultyStack implements StackAdapter {

    enum Fault {
        /** Signs the data with one byte appended. */
        SIGNS_WRONG_DATA,
        /** ECDSA: returns r||s (fixed width) instead of SSH's two mpints. */
        RAW_R_S_ENCODING,
        /** RSA: asked for rsa-sha2-512, signs with SHA-256 and labels it rsa-sha2-512. */
        WRONG_HASH_FOR_RSA_SHA2_512,
        /** Signs whatever PIN it is given, using the PIN the key was created with. */
        IGNORES_PIN,
        /** Reports another key's public half than the one that signs. */
        REPORTS_DIFFERENT_PUBLIC_KEY;

        String stackName() {
            return "faulty-" + name().toLowerCase().replace('_', '-');
        }
    }

    private final Fault fault;
    private final StackAdapter inner;

    FaultyStack(Fault fault, StackAdapter inner) {
        this.fault = fault;
        this.inner = inner;
    }

    @Override
    public String name() {
        return fault.stackName();
    }

    @Override
    public Key createKey(TpmBackend backend, KeyType type, char[] pin, String comment) throws Exception {
        Key real = inner.createKey(backend, type, pin, comment);
        Key decoy = fault == Fault.REPORTS_DIFFERENT_PUBLIC_KEY
                ? inner.createKey(backend, type, pin, comment + "-decoy") : null;
        return new Faulty(real, decoy);
    }

    @Override
    public Key loadKey(TpmBackend backend, Stored stored, char[] pin) throws Exception {
        char[] used = fault == Fault.IGNORES_PIN && pin != null ? MatrixRun.PIN.toCharArray() : pin;
        return new Faulty(inner.loadKey(backend, stored, used), null);
    }

    @Override
    public Agent startAgent(Path socket, List<? extends Key> keys) throws Exception {
        return inner.startAgent(socket, keys);
    }

    private final class Faulty implements Key {
        private final Key real;
        private final Key decoy;

        Faulty(Key real, Key decoy) {
            this.real = real;
            this.decoy = decoy;
        }

        @Override
        public byte[] publicKeyBlob() {
            return decoy != null ? decoy.publicKeyBlob() : real.publicKeyBlob();
        }

        @Override
        public String authorizedKeysLine() {
            return decoy != null ? decoy.authorizedKeysLine() : real.authorizedKeysLine();
        }

        @Override
        public String comment() {
            return real.comment();
        }

        @Override
        public Optional<Stored> stored() {
            return real.stored();
        }

        @Override
        public byte[] sign(byte[] data, int flags) throws AgentSignException {
            try {
                switch (fault) {
                    case SIGNS_WRONG_DATA:
                        return real.sign(Arrays.copyOf(data, data.length + 1), flags);
                    case RAW_R_S_ENCODING:
                        return rawRs(real.sign(data, flags));
                    case WRONG_HASH_FOR_RSA_SHA2_512:
                        if ((flags & SSH_AGENT_RSA_SHA2_512) != 0) {
                            SshWireReader r = new SshWireReader(real.sign(data, SSH_AGENT_RSA_SHA2_256));
                            r.readUtf8();
                            return new SshWireWriter().writeString("rsa-sha2-512").writeString(r.readString())
                                    .toByteArray();
                        }
                        return real.sign(data, flags);
                    default:
                        return real.sign(data, flags);
                }
            } catch (AgentSignException e) {
                throw e;
            } catch (Exception e) {
                throw new AgentSignException("faulty stack: " + e.getMessage(), e);
            }
        }

        private byte[] rawRs(byte[] sshSignature) throws Exception {
            SshWireReader r = new SshWireReader(sshSignature);
            String alg = r.readUtf8();
            if (!alg.startsWith("ecdsa-")) {
                return sshSignature;
            }
            SshWireReader inner = new SshWireReader(r.readString());
            BigInteger rr = inner.readMpint();
            BigInteger ss = inner.readMpint();
            int width = alg.endsWith("521") ? 66 : alg.endsWith("384") ? 48 : 32;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(fixed(rr, width));
            out.write(fixed(ss, width));
            return new SshWireWriter().writeString(alg).writeString(out.toByteArray()).toByteArray();
        }

        private byte[] fixed(BigInteger v, int width) {
            byte[] b = v.toByteArray();
            byte[] out = new byte[width];
            int n = Math.min(b.length, width);
            System.arraycopy(b, b.length - n, out, width - n, n);
            return out;
        }

        @Override
        public void close() {
            real.close();
            if (decoy != null) {
                decoy.close();
            }
        }
    }
}
