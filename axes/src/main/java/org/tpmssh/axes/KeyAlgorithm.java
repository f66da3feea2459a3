package org.tpmssh.axes;

/** The key axis: the type of a combination's key; stack's {@code KeyType} has one of each label. */
public enum KeyAlgorithm implements AxisValue {
    ECC_P256(Use.DEFAULT),
    ECC_P384(Use.ON_REQUEST),
    ECC_P521(Use.ON_REQUEST),
    RSA_2048(Use.DEFAULT),
    RSA_3072(Use.ON_REQUEST);

    private final Use use;

    KeyAlgorithm(Use use) {
        this.use = use;
    }

    @Override
    public Use use() {
        return use;
    }
}
