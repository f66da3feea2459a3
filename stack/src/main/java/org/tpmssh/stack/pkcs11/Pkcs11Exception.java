package org.tpmssh.stack.pkcs11;

/** A Cryptoki call failed with a CK_RV; the message says what to do and never holds a PIN or authValue. */
public class Pkcs11Exception extends Exception {
    private static final long serialVersionUID = 1L;
    private final long ckr;

    public Pkcs11Exception(long ckr, String message) {
        this(ckr, message, null);
    }

    public Pkcs11Exception(long ckr, String message, Throwable cause) {
        super(Ckr.name(ckr) + ": " + message, cause);
        this.ckr = ckr;
    }

    public long ckr() {
        return ckr;
    }

    public String ckrName() {
        return Ckr.name(ckr);
    }
}
