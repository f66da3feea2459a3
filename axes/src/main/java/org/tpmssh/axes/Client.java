package org.tpmssh.axes;

/** The client axis: how a combination logs in. */
public enum Client implements AxisValue {
    /** OpenSSH's {@code ssh} through the stack's agent. */
    SSH_AGENT(Use.DEFAULT),
    /** Apache MINA's client with the keys as JCA private keys from the stack. */
    MINA_JCA(Use.ON_REQUEST),
    /** {@code ssh -I} with the stack's PKCS#11 module. */
    SSH_PKCS11(Use.OPT_IN);

    private final Use use;

    Client(Use use) {
        this.use = use;
    }

    @Override
    public Use use() {
        return use;
    }
}
