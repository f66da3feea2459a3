package org.tpmssh.stack.store;

/** Token and key labels become directory and file names, so they are limited to a safe alphabet. */
final class Names {
    private Names() {
    }

    static boolean isLabel(String label) {
        return label != null && label.matches("[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}");
    }

    static void checkLabel(String label, String what) {
        if (!isLabel(label)) {
            throw new IllegalArgumentException("a " + what + " is 1-64 characters of letters, digits and ._@+-,"
                    + " starting with a letter or digit: " + (label == null ? "none given" : "'" + label + "'"));
        }
    }
}
