package org.tpmssh.stack.p11kit;

/**
 * One CK_ATTRIBUTE as it crosses the wire: its type and a value of the Java type its
 * {@link AttributeKind} gives ({@code Boolean}, {@code Long}, {@code byte[]} for byte arrays and
 * dates, {@code long[]} for mechanism arrays), or null when the sender marked it unavailable.
 */
record Attribute(long type, Object value) {
}
