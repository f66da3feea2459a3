package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.structures.Handles;

/** A handle in a command's handle area that needs no authorization, with its Name for cpHash. */
public record HandleRef(int handle, byte[] name) {
    public static HandleRef of(int handle) {
        return new HandleRef(handle, Handles.handleName(handle));
    }
}
