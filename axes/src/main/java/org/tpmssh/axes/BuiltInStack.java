package org.tpmssh.axes;

/** The stacks that ship with the harness; the stack axis also takes stacks registered at run time. */
public enum BuiltInStack implements AxisValue {
    /** Our Java stack, as users run it. */
    JAVA(Use.DEFAULT),
    /** The distribution's tpm2-pkcs11. */
    TPM2_PKCS11(Use.ON_REQUEST);

    private final Use use;

    BuiltInStack(Use use) {
        this.use = use;
    }

    @Override
    public Use use() {
        return use;
    }
}
