package org.tpmssh.stack.keys;

import java.math.BigInteger;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;

/**
 * An SSH identity whose private half lives in the TPM. It signs SSH data by hashing it here
 * and asking the TPM to sign the digest (ECDSA for nistp256/384/521 as RFC 5656 says, RSASSA
 * for rsa-sha2-256/512). It holds the unlocked authValue in memory until {@link #close()}.
 */
public final class TpmSshKey implements AgentKey, AutoCloseable {
    private final KeyRing ring;
    private final TpmObject object;
    private final byte[] blob;
    private final String comment;
    private final SshCurve curve;
    private final byte[] authValue;

    TpmSshKey(KeyRing ring, TpmObject object, byte[] authValue, String comment) throws UnsupportedKeyTypeException {
        this.ring = ring;
        this.object = object;
        this.comment = comment;
        this.authValue = authValue.clone();
        try {
            var pub = object.publicArea().toPublicKey();
            this.blob = SshPublicKeys.encode(pub);
            this.curve = pub instanceof ECPublicKey ec ? SshCurve.of(ec.getParams()).orElseThrow(
                    () -> new UnsupportedKeyTypeException("the TPM key's curve has no SSH name")) : null;
        } catch (TpmException e) {
            throw new UnsupportedKeyTypeException("the TPM key's public area is unusable: " + e.getMessage());
        }
    }

    public TpmObject object() {
        return object;
    }

    @Override
    public byte[] publicKeyBlob() {
        return blob.clone();
    }

    @Override
    public String comment() {
        return comment;
    }

    /** The authorized_keys line: {@code ecdsa-sha2-nistp256 AAAA… comment}. */
    public String authorizedKeysLine() {
        try {
            return SshPublicKeys.authorizedKeysLine(blob, comment);
        } catch (Exception e) {
            throw new IllegalStateException("our own public key blob does not parse", e);
        }
    }

    @Override
    public byte[] sign(byte[] data, int flags) throws AgentSignException {
        try {
            if (curve != null) {
                int hash = Alg.curveHash(object.publicArea().eccParms().curve());
                Signature sig = ring.sign(object, authValue, Alg.hash(hash, data), Alg.ECDSA, hash);
                return SshSignatures.ecdsa(curve, new BigInteger(1, sig.r()), new BigInteger(1, sig.s()));
            }
            String alg;
            int hash;
            if ((flags & SSH_AGENT_RSA_SHA2_512) != 0) {
                alg = SshSignatures.RSA_SHA2_512;
                hash = Alg.SHA512;
            } else if ((flags & SSH_AGENT_RSA_SHA2_256) != 0) {
                alg = SshSignatures.RSA_SHA2_256;
                hash = Alg.SHA256;
            } else {
                throw new AgentSignException("refusing an ssh-rsa (SHA-1) signature; the client must ask for"
                        + " rsa-sha2-256 or rsa-sha2-512");
            }
            Signature sig = ring.sign(object, authValue, Alg.hash(hash, data), Alg.RSASSA, hash);
            return SshSignatures.rsa(alg, sig.rsa());
        } catch (TpmResponseException e) {
            if (e.is(ResponseCodes.AUTH_FAIL) || e.is(ResponseCodes.BAD_AUTH)) {
                throw new AgentSignException("the TPM refused the PIN for key \"" + comment + "\" (" + e.rcName()
                        + ")", e);
            }
            if (e.is(ResponseCodes.LOCKOUT)) {
                throw new AgentSignException("the TPM is in dictionary-attack lockout; key \"" + comment
                        + "\" cannot sign until it recovers", e);
            }
            throw new AgentSignException("the TPM could not sign with key \"" + comment + "\": " + e.getMessage(), e);
        } catch (TpmException e) {
            throw new AgentSignException("the TPM could not sign with key \"" + comment + "\": " + e.getMessage(), e);
        }
    }

    /** Forgets the unlocked authValue. The key stays in the TPM store. */
    @Override
    public void close() {
        Arrays.fill(authValue, (byte) 0);
    }
}
