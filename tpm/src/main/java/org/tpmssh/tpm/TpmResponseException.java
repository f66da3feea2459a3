package org.tpmssh.tpm;

/** The TPM answered a command with an error code: the raw TPM_RC, its base code and its name. */
public class TpmResponseException extends TpmException {
    private final int commandCode;
    private final int responseCode;

    public TpmResponseException(int commandCode, int responseCode) {
        super(ResponseCodes.describe(commandCode, responseCode));
        this.commandCode = commandCode;
        this.responseCode = responseCode;
    }

    public int commandCode() {
        return commandCode;
    }

    public int responseCode() {
        return responseCode;
    }

    /** The code without its parameter/handle/session number, e.g. 0x08E for TPM_RC_AUTH_FAIL. */
    public int baseCode() {
        return ResponseCodes.base(responseCode);
    }

    /** The code's name, e.g. {@code TPM_RC_AUTH_FAIL}. */
    public String rcName() {
        return ResponseCodes.name(responseCode);
    }

    public boolean is(int baseCode) {
        return baseCode() == baseCode;
    }
}
