package org.tpmssh.harness.backends;

/**
 * A local swtpm image of the container backend, as its labels describe it: the {@code scripts/images/build.sh}
 * argument that made it ({@code host} or a Debian suite; null for an image built before that label existed), the
 * Debian release it came from and the Debian versions of its swtpm and libtpms packages.
 */
public record SwtpmImage(String name, String source, String debianRelease, String swtpmVersion,
        String libtpmsVersion) {

    @Override
    public String toString() {
        return name;
    }
}
