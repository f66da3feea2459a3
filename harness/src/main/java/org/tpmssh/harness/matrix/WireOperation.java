package org.tpmssh.harness.matrix;

import org.tpmssh.axes.Client;

/** The operations whose TPM commands the report counts per stack, in the order its table lists them. */
public enum WireOperation {
    KEY_CREATE("key create"),
    KEY_IMPORT("key import"),
    /** Our stack: {@code tpmssh agent} opening its TPM connection; tpm2-pkcs11: {@code ssh-agent} and {@code ssh-add -s}. */
    AGENT_START("agent start"),
    COLD_SIGN("cold sign"),
    STEADY_SIGN("steady sign"),
    SSH_LOGIN("ssh login"),
    SSH_PKCS11_LOGIN("ssh -I login"),
    MINA_LOGIN("MINA login"),
    PKCS11_TOOL_SIGN("pkcs11-tool --sign");

    private final String label;

    WireOperation(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The login a client makes. */
    public static WireOperation login(Client client) {
        return switch (client) {
            case SSH_AGENT -> SSH_LOGIN;
            case SSH_PKCS11 -> SSH_PKCS11_LOGIN;
            case MINA_JCA -> MINA_LOGIN;
        };
    }
}
