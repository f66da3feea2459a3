package org.tpmssh.emulators;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The directories where distributions put shared libraries and p11-kit modules, to tell "the
 * package is not installed" from "the program failed".
 */
public final class LibraryPath {

    private LibraryPath() {
    }

    /** The candidate directories on this machine, in the order a loader would prefer them; existing ones only. */
    public static List<Path> directories() {
        List<Path> roots = new ArrayList<>();
        for (String root : List.of("/usr/lib", "/lib")) {
            Path dir = Path.of(root);
            try (DirectoryStream<Path> triplets = Files.newDirectoryStream(dir, "*-linux-gnu*")) {
                triplets.forEach(roots::add);
            } catch (IOException e) {
                // No such root on this system: nothing to add.
            }
        }
        roots.addAll(List.of(Path.of("/usr/lib64"), Path.of("/usr/lib"), Path.of("/usr/local/lib")));
        List<Path> directories = new ArrayList<>();
        for (Path root : roots) {
            directories.add(root);
            directories.add(root.resolve("pkcs11"));
        }
        return directories.stream().filter(Files::isDirectory).distinct().toList();
    }

    /**
     * A file whose name starts with {@code prefix} (e.g. {@code libtpm2_pkcs11.so}) in the first directory that
     * has one; there the shortest name, so the SONAME link {@code .so.1} wins over {@code .so.1.9.0}.
     */
    public static Optional<Path> find(String prefix, List<Path> directories) {
        for (Path dir : directories) {
            List<Path> hits = new ArrayList<>();
            try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, prefix + "*")) {
                found.forEach(hits::add);
            } catch (IOException e) {
                continue; // unreadable directory: keep looking in the others
            }
            Optional<Path> best = hits.stream().filter(Files::isRegularFile)
                    .min(Comparator.comparing((Path p) -> p.getFileName().toString().length())
                            .thenComparing(Path::toString));
            if (best.isPresent()) {
                return best;
            }
        }
        return Optional.empty();
    }

    /** As {@link #find(String, List)} over this machine's {@link #directories()}, whatever its multiarch triplet. */
    public static Optional<Path> find(String prefix) {
        return find(prefix, directories());
    }

    /** An OpenSSL 3 provider module, e.g. {@code tpm2.so}, in the {@code ossl-modules} directory beside the libraries. */
    public static Optional<Path> opensslProvider(String file) {
        return directories().stream().map(dir -> dir.resolve("ossl-modules").resolve(file))
                .filter(Files::isRegularFile).findFirst();
    }
}
