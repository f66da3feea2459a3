package org.tpmssh.emulators;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where to look for a system program: the directories of a PATH, plus the sbin directories that a non-root
 * PATH often lacks (tpm2-abrmd lives in /usr/sbin). A test hands in its own to hide a program deliberately.
 *
 * @param directories searched in order
 */
public record SearchPath(List<Path> directories) {

    private static final List<Path> SBIN = List.of(Path.of("/usr/local/sbin"), Path.of("/usr/sbin"), Path.of("/sbin"));

    public SearchPath {
        directories = List.copyOf(directories);
    }

    /** This process's PATH, then the sbin directories it lacks. */
    public static SearchPath system() {
        return of(System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
    }

    /** A PATH string (colon-separated), then the sbin directories it lacks. */
    public static SearchPath of(String path) {
        List<Path> directories = new ArrayList<>();
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                directories.add(Path.of(entry));
            }
        }
        SBIN.stream().filter(dir -> !directories.contains(dir)).forEach(directories::add);
        return new SearchPath(directories);
    }

    /** Exactly these directories and no others, e.g. to run as if a package were not installed. */
    public static SearchPath only(List<Path> directories) {
        return new SearchPath(directories);
    }

    /** The first executable file of this name. */
    public Optional<Path> find(String program) {
        return directories.stream().map(dir -> dir.resolve(program))
                .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p)).findFirst();
    }

    /** The PATH value that a child process should get, so it finds the same programs. */
    public String asPathVariable() {
        return directories.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    @Override
    public String toString() {
        return asPathVariable();
    }
}
