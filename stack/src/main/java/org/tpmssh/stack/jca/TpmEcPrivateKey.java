package org.tpmssh.stack.jca;

import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;

/** An ECC P-256/384/521 key in the TPM; {@link #getParams()} names its curve for MINA and JCA. */
public final class TpmEcPrivateKey extends TpmPrivateKey implements ECKey {
    private static final long serialVersionUID = 1L;
    private final transient ECPublicKey publicKey;

    TpmEcPrivateKey(KeyRing ring, TpmObject object, byte[] authValue, String label, ECPublicKey publicKey) {
        super(ring, object, authValue, label);
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
