package org.tpmssh.scenarios;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tpmssh.harness.backends.TpmBackend;
import org.tpmssh.harness.stacks.JavaStack;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.stack.keys.PassphraseSource;
import org.tpmssh.stack.keys.PrivateKeyFiles;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.PinProtectedKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/**
 * Test-only: our Java stack with one seeded fault of a kind real stacks have shipped with, on every path a client
 * takes (the agent for OpenSSH, the JCA key for MINA), so the scenarios can prove they catch it. Which scenario
 * must catch which fault is {@link FaultCatalogue}'s table.
 */
final class FaultyStack implements StackAdapter {

    enum Fault {
        /** Signs the data with one byte appended. */
        SIGNS_WRONG_DATA,
        /** ECDSA: returns r||s (fixed width) instead of SSH's two mpints; through JCA, P1363 instead of DER. */
        RAW_R_S_ENCODING,
        /** RSA: asked for rsa-sha2-512, signs with SHA-256 and labels it rsa-sha2-512. */
        WRONG_HASH_FOR_RSA_SHA2_512,
        /** RSA: signs rsa-sha2-512 whichever of rsa-sha2-256 and rsa-sha2-512 was asked for. */
        IGNORES_REQUESTED_RSA_HASH,
        /** Signs whatever PIN it is given, using the token's real PIN. */
        IGNORES_PIN,
        /** Reports another key's public half than the one that signs. */
        REPORTS_DIFFERENT_PUBLIC_KEY,
        /** Its agent also offers a key of another token that nobody asked it to serve. */
        LISTS_A_KEY_NOT_IN_THE_TOKEN,
        /** Imports another key than the file's, and never compares the TPM object's public part with the file. */
        IMPORTS_ANOTHER_KEY,
        /** Reports the TPM's dictionary-attack lockout as one more wrong PIN. */
        LOCKOUT_REPORTED_AS_WRONG_PIN,
        /** Its agent drops the lifetime of {@code ssh-add -t} and keeps the key for ever. */
        IGNORES_LIFETIME,
        /** Its agent drops {@code ssh-add -c} and signs with the key without asking anyone. */
        IGNORES_CONFIRM,
        /** Its agent says yes to {@code ssh-add -x} and goes on signing. */
        IGNORES_LOCK,
        /**
         * Makes each key in software and imports it into the TPM, keeps the software copy and signs with it; the
         * public key, the PIN check and every signature are right, only the TPM never signs.
         */
        SIGNS_WITH_SOFTWARE_COPY;

        String stackName() {
            return "faulty-" + name().toLowerCase().replace('_', '-');
        }

        /** Faults that change what a signature says, and so reach the JCA path too. */
        boolean altersSignatures() {
            return switch (this) {
                case SIGNS_WRONG_DATA, RAW_R_S_ENCODING, WRONG_HASH_FOR_RSA_SHA2_512, IGNORES_REQUESTED_RSA_HASH,
                        REPORTS_DIFFERENT_PUBLIC_KEY -> true;
                default -> false;
            };
        }

        /** Faults in the agent protocol, seeded by a proxy in front of the real agent. */
        boolean inTheAgentProtocol() {
            return this == IGNORES_LIFETIME || this == IGNORES_CONFIRM || this == IGNORES_LOCK;
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
    public Key createKey(TpmBackend backend, KeyType type, boolean pinless, String comment) throws Exception {
        if (fault == Fault.SIGNS_WITH_SOFTWARE_COPY) {
            return importKey(backend, softwareKey(backend, type, comment), pinless, comment);
        }
        Key real = inner.createKey(backend, type, pinless, comment);
        Key decoy = fault == Fault.REPORTS_DIFFERENT_PUBLIC_KEY
                ? inner.createKey(backend, type, pinless, comment + "-decoy") : null;
        Key stranger = fault == Fault.LISTS_A_KEY_NOT_IN_THE_TOKEN
                ? inner.createKey(backend, type, true, comment + "-stranger") : null;
        return new Faulty(real, decoy, stranger);
    }

    @Override
    public Key importKey(TpmBackend backend, Path privateKeyFile, boolean pinless, String comment) throws Exception {
        Path file = fault == Fault.IMPORTS_ANOTHER_KEY ? anotherKeyLike(privateKeyFile) : privateKeyFile;
        Faulty key = new Faulty(inner.importKey(backend, file, pinless, comment), null, null);
        if (fault == Fault.SIGNS_WITH_SOFTWARE_COPY) {
            key.softwareCopy = PrivateKeyFiles.read(privateKeyFile, PassphraseSource.none());
            key.pinless = pinless;
        }
        return key;
    }

    /** An ssh-keygen key of {@code type} in a directory of the backend's, which goes with it. */
    private static Path softwareKey(TpmBackend backend, KeyType type, String comment) throws Exception {
        Path file = Files.createTempDirectory(backend.stackDir(), "software-copy").resolve("id");
        String[] typeAndBits = type.isEcc() ? new String[] {"ecdsa", type.label().substring("ecc-p".length())}
                : new String[] {"rsa", String.valueOf(type.rsaBits())};
        CommandResult keygen = CommandRunner.run(List.of("ssh-keygen", "-q", "-t", typeAndBits[0], "-b",
                typeAndBits[1], "-N", "", "-C", comment, "-f", file.toString()), Map.of(), Duration.ofSeconds(60));
        if (!keygen.succeeded()) {
            throw new IllegalStateException("ssh-keygen failed: " + keygen.describe());
        }
        return file;
    }

    /** A fresh ssh-keygen key of the same type and size as {@code file}, beside it. */
    private static Path anotherKeyLike(Path file) throws Exception {
        PublicKey pub = PrivateKeyFiles.read(file, PassphraseSource.none()).getPublic();
        String[] typeAndBits = pub instanceof ECPublicKey ec
                ? new String[] {"ecdsa", String.valueOf(ec.getParams().getCurve().getField().getFieldSize())}
                : new String[] {"rsa", String.valueOf(((RSAPublicKey) pub).getModulus().bitLength())};
        Path other = Files.createTempDirectory(file.getParent(), "another").resolve("id");
        CommandResult keygen = CommandRunner.run(List.of("ssh-keygen", "-q", "-t", typeAndBits[0], "-b",
                typeAndBits[1], "-N", "", "-f", other.toString()), Map.of(), Duration.ofSeconds(60));
        if (!keygen.succeeded()) {
            throw new IllegalStateException("ssh-keygen failed: " + keygen.describe());
        }
        return other;
    }

    @Override
    public Key loadKey(TpmBackend backend, Stored stored) throws Exception {
        return new Faulty(inner.loadKey(backend, stored), null, null);
    }

    @Override
    public Agent startAgent(Path socket, List<? extends Key> keys, char[] pin) throws Exception {
        List<AgentKey> agentKeys = new ArrayList<>();
        for (Key k : keys) {
            Faulty key = (Faulty) k;
            agentKeys.add(key.agentKey());
            if (key.stranger != null) {
                agentKeys.add(((JavaStack.AgentBacked) key.stranger).agentKey());
            }
        }
        if (!fault.inTheAgentProtocol()) {
            return JavaStack.serve(socket, agentKeys, pin);
        }
        Agent real = JavaStack.serve(socket.resolveSibling("real-agent.sock"), agentKeys, pin);
        return new FaultyAgentProxy(fault, real, socket);
    }

    /** One signing step of the real key, with or without a PIN. */
    private interface Signer {
        byte[] sign(byte[] data, int flags) throws Exception;
    }

    private final class Faulty implements Key, JavaStack.AgentBacked {
        private final Key real;
        private final Key decoy;
        private final Key stranger;
        private KeyPair softwareCopy;
        private boolean pinless;

        Faulty(Key real, Key decoy, Key stranger) {
            this.real = real;
            this.decoy = decoy;
            this.stranger = stranger;
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
        public Stored stored() {
            return real.stored();
        }

        /** The JCA key a MINA client or a MINA host key signs with: the real one's, with the fault. */
        @Override
        public KeyPair keyPair(char[] pin) throws Exception {
            KeyPair pair;
            try {
                pair = real.keyPair(pinFor(pin));
            } catch (PinLockedException e) {
                throw lockoutAsWrongPin(e);
            }
            if (!fault.altersSignatures()) {
                return pair;
            }
            return FaultyJca.pair(fault, SshPublicKeys.parse(publicKeyBlob()), pair.getPrivate());
        }

        private char[] pinFor(char[] pin) {
            return fault == Fault.IGNORES_PIN ? StackAdapter.PIN.toCharArray() : pin;
        }

        @Override
        public byte[] sign(byte[] data, int flags, char[] pin) throws Exception {
            try {
                return faulty((d, f) -> real.sign(d, f, pinFor(pin)), data, flags);
            } catch (PinLockedException e) {
                throw lockoutAsWrongPin(e);
            }
        }

        /** The lockout to throw, or, with the fault, a wrong-PIN error in its place. */
        private PinIncorrectException lockoutAsWrongPin(PinLockedException e) throws PinLockedException {
            if (fault != Fault.LOCKOUT_REPORTED_AS_WRONG_PIN) {
                throw e;
            }
            return new PinIncorrectException("the user PIN is incorrect");
        }

        /** The identity the agent serves: the real one's signatures, with the fault, under the reported key. */
        @Override
        public AgentKey agentKey() throws Exception {
            AgentKey key = ((JavaStack.AgentBacked) real).agentKey();
            byte[] blob = publicKeyBlob();
            if (softwareCopy != null) {
                return new SoftwareCopy(blob, key.comment(), softwareCopy, pinless);
            }
            if (key instanceof PinProtectedKey pk) {
                return new PinProtectedKey() {
                    @Override
                    public byte[] publicKeyBlob() {
                        return blob.clone();
                    }

                    @Override
                    public String comment() {
                        return pk.comment();
                    }

                    @Override
                    public String pinScope() {
                        return pk.pinScope();
                    }

                    @Override
                    public byte[] sign(byte[] data, int flags, char[] pin)
                            throws AgentSignException, PinIncorrectException, PinLockedException {
                        try {
                            return faulty((d, f) -> pk.sign(d, f, pinFor(pin)), data, flags);
                        } catch (PinLockedException e) {
                            throw lockoutAsWrongPin(e);
                        } catch (AgentSignException | PinIncorrectException e) {
                            throw e;
                        } catch (Exception e) {
                            throw new AgentSignException("faulty stack: " + e.getMessage(), e);
                        }
                    }
                };
            }
            return new AgentKey() {
                @Override
                public byte[] publicKeyBlob() {
                    return blob.clone();
                }

                @Override
                public String comment() {
                    return key.comment();
                }

                @Override
                public byte[] sign(byte[] data, int flags) throws AgentSignException {
                    try {
                        return faulty(key::sign, data, flags);
                    } catch (AgentSignException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new AgentSignException("faulty stack: " + e.getMessage(), e);
                    }
                }
            };
        }

        private byte[] faulty(Signer real, byte[] data, int flags) throws Exception {
            switch (fault) {
                case SIGNS_WRONG_DATA:
                    return real.sign(Arrays.copyOf(data, data.length + 1), flags);
                case RAW_R_S_ENCODING:
                    return rawRs(real.sign(data, flags));
                case WRONG_HASH_FOR_RSA_SHA2_512:
                    if ((flags & AgentKey.SSH_AGENT_RSA_SHA2_512) != 0) {
                        SshWireReader r = new SshWireReader(real.sign(data, AgentKey.SSH_AGENT_RSA_SHA2_256));
                        r.readUtf8();
                        return new SshWireWriter().writeString("rsa-sha2-512").writeString(r.readString())
                                .toByteArray();
                    }
                    return real.sign(data, flags);
                case IGNORES_REQUESTED_RSA_HASH:
                    boolean rsa = (flags & (AgentKey.SSH_AGENT_RSA_SHA2_256 | AgentKey.SSH_AGENT_RSA_SHA2_512)) != 0;
                    return real.sign(data, rsa ? AgentKey.SSH_AGENT_RSA_SHA2_512 : flags);
                default:
                    return real.sign(data, flags);
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
            if (stranger != null) {
                stranger.close();
            }
        }
    }

    /**
     * A PIN identity that checks the PIN in software and signs with the software copy of the key, as a stack that
     * keeps one would; its signatures verify with the key in authorized_keys.
     */
    private record SoftwareCopy(byte[] blob, String comment, KeyPair pair, boolean pinless) implements PinProtectedKey {
        @Override
        public byte[] publicKeyBlob() {
            return blob.clone();
        }

        @Override
        public String pinScope() {
            return "software-copy";
        }

        @Override
        public byte[] sign(byte[] data, int flags, char[] pin) throws AgentSignException, PinIncorrectException {
            if (!pinless && !Arrays.equals(pin, StackAdapter.PIN.toCharArray())) {
                throw new PinIncorrectException("the user PIN is incorrect");
            }
            try {
                if (pair.getPrivate() instanceof ECPrivateKey ec) {
                    SshCurve curve = SshCurve.of(ec.getParams()).orElseThrow();
                    java.security.Signature s = java.security.Signature.getInstance(curve.jcaSignatureAlgorithm());
                    s.initSign(ec);
                    s.update(data);
                    return SshSignatures.ecdsaFromDer(curve, s.sign());
                }
                boolean sha512 = (flags & AgentKey.SSH_AGENT_RSA_SHA2_512) != 0;
                java.security.Signature s = java.security.Signature.getInstance(sha512 ? "SHA512withRSA"
                        : "SHA256withRSA");
                s.initSign(pair.getPrivate());
                s.update(data);
                return SshSignatures.rsa(sha512 ? SshSignatures.RSA_SHA2_512 : SshSignatures.RSA_SHA2_256, s.sign());
            } catch (Exception e) {
                throw new AgentSignException("software copy: " + e.getMessage(), e);
            }
        }
    }
}
