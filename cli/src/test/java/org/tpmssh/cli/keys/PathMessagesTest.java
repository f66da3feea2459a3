package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A directory given where a file belongs is one line that names the path, never a bare "Is a directory". */
class PathMessagesTest extends SwtpmCliTest {

    @Test
    void aDirectoryWhereAFileBelongsIsNamedInTheMessage() throws Exception {
        Cli cli = cli();
        cli.run("token", "init", "--label", "t", "--no-user-pin").ok();
        Path d = Files.createDirectories(dir.resolve("a-directory"));
        Path key = dir.resolve("id_ecdsa");
        Cli.tool("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", key.toString());
        Path pub = dir.resolve("srk.pem");
        cli.run("key", "parent-pub", "--token", "t", "--out", pub.toString()).ok();

        for (List<String> verb : List.of(
                List.of("key", "import", "--token", "t", "--label", "k", "--file", d.toString()),
                List.of("key", "add-file", "--token", "t", "--label", "k", "--file", d.toString()),
                List.of("key", "wrap", "--parent-pub", pub.toString(), "--file", d.toString(), "--out",
                        dir.resolve("w1").toString()),
                List.of("key", "wrap", "--parent-pub", d.toString(), "--file", key.toString(), "--out",
                        dir.resolve("w2").toString()),
                List.of("key", "parent-pub", "--token", "t", "--out", d.toString()),
                List.of("token", "init", "--label", "u", "--user-pin-file", d.toString(), "--so-pin-file",
                        d.toString()))) {
            Cli.Run r = cli.run(verb.toArray(String[]::new)).userError();
            assertThat(r.err()).as(String.join(" ", verb)).contains(d.toString()).contains("directory");
        }
    }
}
