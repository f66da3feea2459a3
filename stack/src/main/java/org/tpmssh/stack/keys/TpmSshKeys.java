package org.tpmssh.stack.keys;

import java.util.Arrays;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/** Creates SSH keys inside the TPM: sign-only, fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth. */
public final class TpmSshKeys {
    private TpmSshKeys() {
    }

    /** The key types tpmssh offers, by the name users type. */
    public enum KeyType {
        ECC_P256("ecc-p256"), ECC_P384("ecc-p384"), ECC_P521("ecc-p521"), RSA_2048("rsa-2048"), RSA_3072("rsa-3072");

        private final String label;

        KeyType(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public boolean isEcc() {
            return this == ECC_P256 || this == ECC_P384 || this == ECC_P521;
        }

        /** The TPM curve id of an ECC type. */
        public int curve() {
            return this == ECC_P256 ? Alg.ECC_NIST_P256 : this == ECC_P384 ? Alg.ECC_NIST_P384 : Alg.ECC_NIST_P521;
        }

        /** The modulus size of an RSA type. */
        public int rsaBits() {
            return this == RSA_2048 ? 2048 : 3072;
        }

        /** The type of a TPM key's public area, if it is one tpmssh offers. */
        public static java.util.Optional<KeyType> of(TpmtPublic pub) {
            for (KeyType t : values()) {
                if (t.isEcc() ? pub.isEcc() && pub.eccParms().curve() == t.curve()
                        : !pub.isEcc() && pub.rsaParms().keyBits() == t.rsaBits()) {
                    return java.util.Optional.of(t);
                }
            }
            return java.util.Optional.empty();
        }
    }

    /**
     * Creates a key of {@code type}. With a PIN the key is dictionary-attack protected and its
     * authValue is derived by {@link PinAuth}; without one it is a noDA PIN-less key.
     */
    public static TpmSshKey create(KeyRing ring, KeyType type, char[] pin, String comment)
            throws TpmException, UnsupportedKeyTypeException {
        boolean pinless = pin == null || pin.length == 0;
        if (type.isEcc() && !GetCapability.eccCurves(ring.tpm()).contains(type.curve())) {
            throw new UnsupportedKeyTypeException("this TPM does not support " + type.label()
                    + "; choose ecc-p256 or another curve it lists");
        }
        TpmtPublic template = type.isEcc() ? Templates.eccSigningKey(type.curve(), pinless)
                : Templates.rsaSigningKey(type.rsaBits(), pinless);
        byte[] auth = PinAuth.authValue(pin);
        try {
            TpmObject obj = ring.create(template, auth, comment);
            return of(ring, obj, auth, comment);
        } finally {
            Arrays.fill(auth, (byte) 0);
        }
    }

    /**
     * The SSH identity of a key already in the ring, for example one loaded from the token store.
     * The authValue is copied; the caller wipes its own.
     */
    public static TpmSshKey of(KeyRing ring, TpmObject object, byte[] authValue, String comment)
            throws UnsupportedKeyTypeException {
        return new TpmSshKey(TpmSigner.of(ring, object, authValue, comment), comment);
    }

    /**
     * An SSH key for an object already known to {@code ring}, e.g. one {@code register}ed again from its stored
     * private blob and public area after the TPM restarted. An empty or null PIN means a PIN-less key.
     */
    public static TpmSshKey fromObject(KeyRing ring, TpmObject object, char[] pin, String comment)
            throws UnsupportedKeyTypeException {
        byte[] auth = PinAuth.authValue(pin);
        try {
            return of(ring, object, auth, comment);
        } finally {
            Arrays.fill(auth, (byte) 0);
        }
    }
}
