package org.tpmssh.scenarios;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tpmssh.stack.ssh.SshSignatures;

/**
 * Test-only: the JCA face of a {@link FaultyStack}. Its private keys wrap the real TPM keys and sign through our
 * provider, with the stack's fault applied, so that the MINA client and a MINA host key meet the same fault as
 * OpenSSH does through the agent. A provider of its own is needed because JCA picks the signer by key class.
 */
final class FaultyJca {
    private static final String NAME = "TPMSSH-FAULTY";
    private static final List<String> ALGORITHMS = List.of("SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA",
            "SHA256withRSA", "SHA384withRSA", "SHA512withRSA");

    private FaultyJca() {
    }

    /** The pair a faulty stack hands out: {@code reported} as its public half, {@code real} signing with the fault. */
    static KeyPair pair(FaultyStack.Fault fault, PublicKey reported, PrivateKey real) {
        install();
        FaultyKey key = real instanceof ECKey ec ? new FaultyEcKey(fault, real, ec.getParams())
                : new FaultyRsaKey(fault, real, ((RSAKey) real).getModulus());
        return new KeyPair(reported, key);
    }

    private static synchronized void install() {
        if (Security.getProvider(NAME) == null) {
            Security.addProvider(new FaultyProvider());
        }
    }

    /** A TPM key with a fault; JCA finds only {@link FaultyProvider}'s signatures for it. */
    abstract static class FaultyKey implements PrivateKey {
        private static final long serialVersionUID = 1L;
        final transient FaultyStack.Fault fault;
        final transient PrivateKey real;

        FaultyKey(FaultyStack.Fault fault, PrivateKey real) {
            this.fault = fault;
            this.real = real;
        }

        @Override
        public String getAlgorithm() {
            return real.getAlgorithm();
        }

        @Override
        public String getFormat() {
            return null;
        }

        @Override
        public byte[] getEncoded() {
            return null;
        }
    }

    static final class FaultyEcKey extends FaultyKey implements ECKey {
        private static final long serialVersionUID = 1L;
        private final transient ECParameterSpec params;

        FaultyEcKey(FaultyStack.Fault fault, PrivateKey real, ECParameterSpec params) {
            super(fault, real);
            this.params = params;
        }

        @Override
        public ECParameterSpec getParams() {
            return params;
        }
    }

    static final class FaultyRsaKey extends FaultyKey implements RSAKey {
        private static final long serialVersionUID = 1L;
        private final BigInteger modulus;

        FaultyRsaKey(FaultyStack.Fault fault, PrivateKey real, BigInteger modulus) {
            super(fault, real);
            this.modulus = modulus;
        }

        @Override
        public BigInteger getModulus() {
            return modulus;
        }
    }

    private static final class FaultyProvider extends Provider {
        private static final long serialVersionUID = 1L;

        FaultyProvider() {
            super(NAME, "0.1", "tpmssh tests: TPM signatures with a seeded fault");
            for (String algorithm : ALGORITHMS) {
                putService(new Service(this, "Signature", algorithm, FaultySignature.class.getName(), List.of(),
                        Map.of("SupportedKeyClasses", FaultyKey.class.getName())) {
                    @Override
                    public Object newInstance(Object parameter) {
                        return new FaultySignature(algorithm);
                    }

                    @Override
                    public boolean supportsParameter(Object parameter) {
                        return parameter instanceof FaultyKey;
                    }
                });
            }
        }
    }

    /** Buffers the data, then signs it through our TPM provider as the fault dictates. */
    static final class FaultySignature extends SignatureSpi {
        private final String algorithm;
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        private FaultyKey key;

        FaultySignature(String algorithm) {
            this.algorithm = algorithm;
        }

        @Override
        protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
            if (!(privateKey instanceof FaultyKey k)) {
                throw new InvalidKeyException("not a faulty-stack key");
            }
            key = k;
            data.reset();
        }

        @Override
        protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
            throw new InvalidKeyException("the faulty stack only signs");
        }

        @Override
        protected void engineUpdate(byte b) {
            data.write(b);
        }

        @Override
        protected void engineUpdate(byte[] b, int off, int len) {
            data.write(b, off, len);
        }

        @Override
        protected byte[] engineSign() throws SignatureException {
            byte[] message = data.toByteArray();
            data.reset();
            String used = algorithm;
            switch (key.fault) {
                case SIGNS_WRONG_DATA -> message = Arrays.copyOf(message, message.length + 1);
                case WRONG_HASH_FOR_RSA_SHA2_512 -> used = algorithm.equals("SHA512withRSA") ? "SHA256withRSA" : used;
                case IGNORES_REQUESTED_RSA_HASH -> used = algorithm.endsWith("withRSA") ? "SHA512withRSA" : used;
                default -> {
                }
            }
            byte[] signature;
            try {
                Signature real = Signature.getInstance(used);
                real.initSign(key.real);
                real.update(message);
                signature = real.sign();
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new SignatureException("faulty stack: " + e.getMessage(), e);
            }
            if (key.fault == FaultyStack.Fault.RAW_R_S_ENCODING && algorithm.endsWith("ECDSA")) {
                return rawRs(signature, (((ECKey) key).getParams().getCurve().getField().getFieldSize() + 7) / 8);
            }
            return signature;
        }

        /** The DER signature as fixed-width r || s (IEEE P1363), which callers that expect DER cannot read. */
        private static byte[] rawRs(byte[] der, int width) throws SignatureException {
            try {
                SshSignatures.EcdsaValue v = SshSignatures.derToEcdsa(der);
                byte[] out = new byte[2 * width];
                byte[] r = v.r().toByteArray();
                byte[] s = v.s().toByteArray();
                int rn = Math.min(r.length, width);
                int sn = Math.min(s.length, width);
                System.arraycopy(r, r.length - rn, out, width - rn, rn);
                System.arraycopy(s, s.length - sn, out, 2 * width - sn, sn);
                return out;
            } catch (Exception e) {
                throw new SignatureException("faulty stack: " + e.getMessage(), e);
            }
        }

        @Override
        protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
            throw new SignatureException("the faulty stack only signs");
        }

        @Override
        @Deprecated
        protected void engineSetParameter(String param, Object value) {
            throw new InvalidParameterException("no parameters");
        }

        @Override
        @Deprecated
        protected Object engineGetParameter(String param) {
            throw new InvalidParameterException("no parameters");
        }
    }
}
