package org.tpmssh.stack.jca;

import java.math.BigInteger;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPublicKey;
import org.tpmssh.stack.keys.TpmSigner;

/** An RSA key in the TPM; {@link #getModulus()} gives its size to MINA and JCA. */
public final class TpmRsaPrivateKey extends TpmPrivateKey implements RSAKey {
    private static final long serialVersionUID = 1L;
    private final transient RSAPublicKey publicKey;

    TpmRsaPrivateKey(TpmSigner signer, RSAPublicKey publicKey) {
        super(signer);
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
