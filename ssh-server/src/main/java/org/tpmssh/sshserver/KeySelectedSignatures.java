package org.tpmssh.sshserver;

import java.security.GeneralSecurityException;
import java.security.Key;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.signature.SignatureECDSA;
import org.apache.sshd.common.signature.SignatureFactory;
import org.apache.sshd.common.signature.SignatureRSASHA256;
import org.apache.sshd.common.signature.SignatureRSASHA512;

/**
 * MINA signature factories whose signers let the JCA pick the provider by the private key, so a
 * TPM key signs with its own provider rather than BouncyCastle (docs/jca.md).
 */
public final class KeySelectedSignatures {

    private KeySelectedSignatures() {
    }

    /**
     * The same list, in the same order, with the ECDSA and rsa-sha2 factories replaced; others
     * (ed25519, ssh-rsa, certificates) are kept as MINA made them.
     */
    public static List<NamedFactory<Signature>> wrap(List<? extends NamedFactory<Signature>> factories) {
        List<NamedFactory<Signature>> out = new ArrayList<>(factories.size());
        for (NamedFactory<Signature> f : factories) {
            out.add(wrap(f));
        }
        return out;
    }

    /** One factory: replaced if it is one of MINA's ECDSA or rsa-sha2 signers, else unchanged. */
    public static NamedFactory<Signature> wrap(NamedFactory<Signature> factory) {
        BuiltinSignatures builtin = BuiltinSignatures.fromFactoryName(factory.getName());
        if (builtin == null) {
            return factory;
        }
        switch (builtin) {
            case nistp256: return new Factory(builtin, () -> new SignatureECDSA.SignatureECDSA256() {
                @Override
                protected java.security.Signature doInitSignature(SessionContext session, String algo, Key key,
                        boolean forSigning) throws GeneralSecurityException {
                    return forSigning ? byKey(algo) : super.doInitSignature(session, algo, key, false);
                }
            });
            case nistp384: return new Factory(builtin, () -> new SignatureECDSA.SignatureECDSA384() {
                @Override
                protected java.security.Signature doInitSignature(SessionContext session, String algo, Key key,
                        boolean forSigning) throws GeneralSecurityException {
                    return forSigning ? byKey(algo) : super.doInitSignature(session, algo, key, false);
                }
            });
            case nistp521: return new Factory(builtin, () -> new SignatureECDSA.SignatureECDSA521() {
                @Override
                protected java.security.Signature doInitSignature(SessionContext session, String algo, Key key,
                        boolean forSigning) throws GeneralSecurityException {
                    return forSigning ? byKey(algo) : super.doInitSignature(session, algo, key, false);
                }
            });
            case rsaSHA256: return new Factory(builtin, () -> new SignatureRSASHA256() {
                @Override
                protected java.security.Signature doInitSignature(SessionContext session, String algo, Key key,
                        boolean forSigning) throws GeneralSecurityException {
                    return forSigning ? byKey(algo) : super.doInitSignature(session, algo, key, false);
                }
            });
            case rsaSHA512: return new Factory(builtin, () -> new SignatureRSASHA512() {
                @Override
                protected java.security.Signature doInitSignature(SessionContext session, String algo, Key key,
                        boolean forSigning) throws GeneralSecurityException {
                    return forSigning ? byKey(algo) : super.doInitSignature(session, algo, key, false);
                }
            });
            default:
                return factory;
        }
    }

    /** No provider named: JCA defers the choice to initSign, where the key decides. */
    static java.security.Signature byKey(String jcaAlgorithm) throws GeneralSecurityException {
        return java.security.Signature.getInstance(jcaAlgorithm);
    }

    private record Factory(BuiltinSignatures builtin, java.util.function.Supplier<Signature> maker)
            implements SignatureFactory {
        @Override
        public String getName() {
            return builtin.getName();
        }

        @Override
        public boolean isSupported() {
            return builtin.isSupported();
        }

        @Override
        public Signature create() {
            return maker.get();
        }

        @Override
        public String toString() {
            return getName() + " (signs with the key's own JCA provider)";
        }
    }
}
