package org.tpmssh.stack.keys;

import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * A key that TPM2_Import has taken: the private blob (only the parent SRK can load it) and the
 * public area to persist, and the loaded, checked SSH identity to use now.
 */
public record ImportedKey(byte[] privateBlob, TpmtPublic publicArea, TpmSshKey key) {
}
