package org.tpmssh.axes;

/** The origin axis: how a combination's key came into the TPM. */
public enum Origin implements AxisValue {
    /** Created in the TPM on the stack's PIN token. */
    CREATED(Use.DEFAULT),
    /** Made by {@code ssh-keygen} and imported into the PIN token. */
    IMPORTED(Use.DEFAULT),
    /** Created on the stack's PIN-less token. */
    PINLESS(Use.DEFAULT);

    private final Use use;

    Origin(Use use) {
        this.use = use;
    }

    @Override
    public Use use() {
        return use;
    }
}
