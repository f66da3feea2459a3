package org.tpmssh.harness.tpm2pkcs11;

/**
 * The system tpm2-pkcs11 stack failed at a named step, said as what a maintainer must fix (never "login failed",
 * never a PIN).
 */
public class Tpm2Pkcs11Exception extends Exception {

    /** Each way the installation can be broken, as distinct names a report and a test can check. */
    public enum Fault {
        PTOOL_MISSING,
        MODULE_MISSING,
        STORE_NOT_FOUND,
        ABRMD_MISSING,
        STEP_FAILED
    }

    private final Fault fault;

    public Tpm2Pkcs11Exception(Fault fault, String message) {
        super(message);
        this.fault = fault;
    }

    public Tpm2Pkcs11Exception(Fault fault, String message, Throwable cause) {
        super(message, cause);
        this.fault = fault;
    }

    public Fault fault() {
        return fault;
    }
}
