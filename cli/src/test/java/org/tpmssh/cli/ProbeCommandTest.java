package org.tpmssh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.tpmssh.emulators.Swtpm;
import picocli.CommandLine;

/** {@code tpmssh probe} against a real swtpm, and its one-line errors. */
class ProbeCommandTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cli = Main.commandLine(Main.SCENARIO_PACKAGE);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void describesTheSwtpm() {
        try (Swtpm sw = Swtpm.start()) {
            Run r = run("probe", "--tcti", sw.tcti());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("TPM at " + sw.tcti())
                    .containsPattern("manufacturer\\s+IBM")
                    .containsPattern("specification\\s+2\\.0 level 0 revision 1\\.")
                    .contains("nist-p256")
                    .containsPattern("algorithms\\s+.*ecdsa")
                    .contains("3 guaranteed");
        }
    }

    @Test
    void anUnreachableTpmIsOneLineWithoutAStackTrace() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run r = run("probe", "--tcti", "swtpm:host=127.0.0.1,port=" + port);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("tpmssh: cannot reach swtpm at 127.0.0.1:" + port)
                .doesNotContain("\tat ");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void aBadTctiIsAUsageError() {
        Run r = run("probe", "--tcti", "swtpm:port=abc");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("bad TCTI \"swtpm:port=abc\"").doesNotContain("\tat ");
    }
}
