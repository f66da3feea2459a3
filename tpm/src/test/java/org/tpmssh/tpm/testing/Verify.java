package org.tpmssh.tpm.testing;

import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;

/** Independent verification of TPM signatures with the JDK's own providers (never TSS.Java's validateSignature). */
public final class Verify {
    private Verify() {
    }

    public static boolean jca(PublicKey key, byte[] message, Signature sig) throws Exception {
        String hash = Alg.hashName(sig.hash()).replace("-", "");
        java.security.Signature v;
        byte[] blob;
        switch (sig.sigAlg()) {
            case Alg.ECDSA:
                v = java.security.Signature.getInstance(hash + "withECDSA");
                blob = sig.toDer();
                break;
            case Alg.RSASSA:
                v = java.security.Signature.getInstance(hash + "withRSA");
                blob = sig.rsa();
                break;
            case Alg.RSAPSS:
                v = java.security.Signature.getInstance("RSASSA-PSS");
                String h = Alg.hashName(sig.hash());
                v.setParameter(new PSSParameterSpec(h, "MGF1", new MGF1ParameterSpec(h),
                        Alg.digestSize(sig.hash()), 1));
                blob = sig.rsa();
                break;
            default:
                throw new IllegalArgumentException("scheme " + sig.sigAlg());
        }
        v.initVerify(key);
        v.update(message);
        return v.verify(blob);
    }
}
