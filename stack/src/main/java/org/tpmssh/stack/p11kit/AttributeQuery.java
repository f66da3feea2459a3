package org.tpmssh.stack.p11kit;

/** One entry of C_GetAttributeValue's template: the type asked for and the caller's buffer length (0: length only). */
record AttributeQuery(long type, long bufferLength) {
}
