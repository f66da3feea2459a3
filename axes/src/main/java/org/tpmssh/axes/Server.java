package org.tpmssh.axes;

/** The server axis: the SSH server a client logs in to. */
public enum Server implements AxisValue {
    OPENSSH(Use.DEFAULT),
    MINA(Use.DEFAULT);

    private final Use use;

    Server(Use use) {
        this.use = use;
    }

    @Override
    public Use use() {
        return use;
    }
}
