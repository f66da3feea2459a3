package org.tpmssh.stack.pinentry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When SSH_ASKPASS runs, as OpenSSH decides it, and what its answer and exit mean; real /bin/sh scripts. */
class AskpassTest {

    @TempDir
    Path dir;

    @Test
    void askpassRequireNeverAndMissingDisplayAreHonoured() {
        assertThat(new Askpass(Map.of("SSH_ASKPASS", "/bin/true", "SSH_ASKPASS_REQUIRE", "never", "DISPLAY", ":0"),
                Duration.ofSeconds(1)).available()).isFalse();
        assertThat(new Askpass(Map.of("SSH_ASKPASS", "/bin/true"), Duration.ofSeconds(1)).available()).isFalse();
        assertThat(new Askpass(Map.of("SSH_ASKPASS", "/bin/true", "DISPLAY", ":0"), Duration.ofSeconds(1)).available())
                .isTrue();
        assertThat(new Askpass(Map.of("DISPLAY", ":0", "SSH_ASKPASS_REQUIRE", "force"), Duration.ofSeconds(1))
                .available()).isFalse();
    }

    @Test
    void confirmationIsYesOnlyForExitZeroWithEmptyOrYesAnswer() throws Exception {
        assertThat(askpass("echo yes").confirm("Allow?")).isTrue();
        assertThat(askpass("true").confirm("Allow?")).isTrue();
        assertThat(askpass("echo no").confirm("Allow?")).isFalse();
        assertThat(askpass("exit 1").confirm("Allow?")).isFalse();
    }

    @Test
    void anAskpassThatCannotRunIsAnErrorNotAYes() {
        Askpass missing = new Askpass(Map.of("SSH_ASKPASS", dir.resolve("nonexistent").toString(),
                "SSH_ASKPASS_REQUIRE", "force"), Duration.ofSeconds(5));
        assertThatThrownBy(() -> missing.confirm("Allow?")).isInstanceOf(IOException.class)
                .hasMessageContaining("nonexistent");
    }

    private Askpass askpass(String body) throws IOException {
        Path script = dir.resolve("askpass-" + Math.abs(body.hashCode()));
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return new Askpass(Map.of("SSH_ASKPASS", script.toString(), "SSH_ASKPASS_REQUIRE", "force"),
                Duration.ofSeconds(10));
    }
}
