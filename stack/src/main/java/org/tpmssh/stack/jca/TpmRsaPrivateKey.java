package org.tpmssh.stack.jca;

import java.math.BigInteger;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPublicKey;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;

/** An RSA key in the TPM; {@link #getModulus()} gives its size to MINA and JCA. */
public final class TpmRsaPrivateKey extends TpmPrivateKey implements RSAKey {
    private static final long serialVersionUID = 1L;
    private final transient RSAPublicKey publicKey;

    TpmRsaPrivateKey(KeyRing ring, TpmObject object, byte[] authValue, String label, RSAPublicKey publicKey) {
        super(ring, object, authValue, label);
        this.publicKey = publicKey;
    }

    @Override
    public RSAPublicKey publicKey() {
        return publicKey;
    }

    @Override
    public BigInteger getModulus() {
        return publicKey.getModulus();
    }

    @Override
    public String getAlgorithm() {
        return "RSA";
    }
}
