package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** tpm2-tss TCTI strings: what parses to what, and the one message each kind of mistake gets. */
class TctiTest {

    @Test
    void parsesEveryGoodForm() {
        assertThat(Tcti.parse("swtpm:host=127.0.0.1,port=2321")).isEqualTo(Tcti.swtpm("127.0.0.1", 2321));
        assertThat(Tcti.parse("swtpm:port=4000,host=tpm.example")).isEqualTo(Tcti.swtpm("tpm.example", 4000));
        assertThat(Tcti.parse("swtpm:port=4000")).isEqualTo(Tcti.swtpm("localhost", 4000));
        assertThat(Tcti.parse("swtpm")).isEqualTo(Tcti.swtpm("localhost", 2321));
        assertThat(Tcti.parse("swtpm:")).isEqualTo(Tcti.swtpm("localhost", 2321));
        assertThat(Tcti.parse("swtpm:path=/run/x.sock")).isEqualTo(Tcti.swtpmUnix(Path.of("/run/x.sock")));
        assertThat(Tcti.parse("mssim:host=10.0.0.2,port=2400")).isEqualTo(Tcti.mssim("10.0.0.2", 2400));
        assertThat(Tcti.parse("mssim")).isEqualTo(Tcti.mssim("localhost", 2321));
        assertThat(Tcti.parse("device:/dev/tpm0")).isEqualTo(Tcti.device(Path.of("/dev/tpm0")));
        assertThat(Tcti.parse("device")).isEqualTo(Tcti.device(Path.of("/dev/tpmrm0")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "swtpm:host=127.0.0.1,port=2321",
        "swtpm:path=/run/x.sock",
        "mssim:host=localhost,port=2321",
        "device:/dev/tpmrm0"})
    void printsTheCanonicalFormThatParsesBack(String tcti) {
        assertThat(Tcti.parse(tcti).toString()).isEqualTo(tcti);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "swtpm:port=abc | port must be a number 1-65534; expected swtpm:host=HOST,port=PORT or swtpm:path=SOCKET",
        "swtpm:port=0 | port must be a number 1-65534",
        "swtpm:port=70000 | port must be a number 1-65534",
        "swtpm:host= | host is empty; expected swtpm:host=HOST,port=PORT or swtpm:path=SOCKET",
        "swtpm:hots=x | unknown key \"hots\" (known: host, path, port)",
        "mssim:path=/x | unknown key \"path\" (known: host, port); expected mssim:host=HOST,port=PORT",
        "swtpm:host=a,host=b | host is given twice",
        "swtpm:127.0.0.1 | \"127.0.0.1\" is not key=value",
        "swtpm:host=a,,port=1 | \"\" is not key=value",
        "swtpm:path=/x,port=1 | path cannot be combined with host or port",
        "device:dev/tpm0 | the device must be an absolute path; expected device:/dev/tpmrm0",
        "tabrmd:bus_type=session | unknown TCTI type \"tabrmd\"; expected one of "})
    void rejectsMalformedStringsQuotingThem(String tcti, String message) {
        assertThatThrownBy(() -> Tcti.parse(tcti))
                .isInstanceOf(TctiException.class)
                .hasMessageStartingWith("bad TCTI \"" + tcti + "\": ")
                .hasMessageContaining(message);
    }

    @Test
    void rejectsAnEmptyString() {
        assertThatThrownBy(() -> Tcti.parse(" ")).isInstanceOf(TctiException.class)
                .hasMessageStartingWith("empty TCTI; expected one of ");
    }

    @Test
    void readsTheEnvironmentVariable() {
        assertThat(Tcti.fromEnvironment(Map.of())).isEmpty();
        assertThat(Tcti.fromEnvironment(Map.of("TPMSSH_TCTI", "  "))).isEmpty();
        assertThat(Tcti.fromEnvironment(Map.of("TPMSSH_TCTI", "mssim:port=5000 ")))
                .contains(Tcti.mssim("localhost", 5000));
        assertThatThrownBy(() -> Tcti.fromEnvironment(Map.of("TPMSSH_TCTI", "swtpm:port=x")))
                .isInstanceOf(TctiException.class)
                .hasMessageStartingWith("TPMSSH_TCTI: bad TCTI \"swtpm:port=x\"");
    }
}
