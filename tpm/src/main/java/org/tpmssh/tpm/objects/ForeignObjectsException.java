package org.tpmssh.tpm.objects;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;

/** The TPM has no free object slot, and what fills them are objects we cannot prove ours, so we left them alone. */
public final class ForeignObjectsException extends TpmException {
    private final List<Integer> foreign;

    ForeignObjectsException(String message, List<Integer> foreign, TpmResponseException cause) {
        super(message, cause);
        this.foreign = List.copyOf(foreign);
    }

    /** The handles of the objects that hold the slots. */
    public List<Integer> foreign() {
        return foreign;
    }
}
