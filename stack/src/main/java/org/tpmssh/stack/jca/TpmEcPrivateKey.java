package org.tpmssh.stack.jca;

import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import org.tpmssh.stack.keys.TpmSigner;

/** An ECC P-256/384/521 key in the TPM; {@link #getParams()} names its curve for MINA and JCA. */
public final class TpmEcPrivateKey extends TpmPrivateKey implements ECKey {
    private static final long serialVersionUID = 1L;
    private final transient ECPublicKey publicKey;

    TpmEcPrivateKey(TpmSigner signer, ECPublicKey publicKey) {
        super(signer);
        this.publicKey = publicKey;
    }

    @Override
    public ECPublicKey publicKey() {
        return publicKey;
    }

    @Override
    public ECParameterSpec getParams() {
        return publicKey.getParams();
    }

    @Override
    public String getAlgorithm() {
        return "EC";
    }
}
