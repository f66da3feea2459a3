package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.marshal.TpmReader;

/** A successful response: the handles it returned and a reader over its (decrypted) parameters. */
public record Response(int[] handles, TpmReader params) {
    public int handle() {
        return handles[0];
    }
}
