package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Random;
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
        assertThat(Tcti.parse("swtpm:host=::1,port=2321")).isEqualTo(Tcti.swtpm("::1", 2321));
        assertThat(Tcti.parse("swtpm:host=tpm-1.lab.example.")).isEqualTo(Tcti.swtpm("tpm-1.lab.example.", 2321));
        // The first and the last port whose port + 1 (the control or platform channel) exists.
        assertThat(Tcti.parse("swtpm:port=1")).isEqualTo(Tcti.swtpm("localhost", 1));
        assertThat(Tcti.parse("mssim:port=65534")).isEqualTo(Tcti.mssim("localhost", 65534));
    }

    /** What tpm2-tools accepts beyond our Java transports goes to the system's TCTI loader, as tpm2-tools hands it. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "tabrmd:bus_name=org.tpmssh.Tabrmd.i3f,bus_type=session | tabrmd | bus_name=org.tpmssh.Tabrmd.i3f,bus_type=session",
        "tabrmd:bus_type=system | tabrmd | bus_type=system",
        "tabrmd | tabrmd | ''",
        "tabrmd: | tabrmd | ''",
        "cmd:tpm2-proxy --stdio -x a:b | cmd | tpm2-proxy --stdio -x a:b",
        "libtpms | libtpms | ''",
        "libtpms:/var/lib/tpm/state.bin | libtpms | /var/lib/tpm/state.bin",
        "spi-helper | spi-helper | ''",
        "libtss2-tcti-swtpm.so.0:host=127.0.0.1,port=2321 | libtss2-tcti-swtpm.so.0 | host=127.0.0.1,port=2321",
        "/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0:/dev/tpm0 | /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0 | /dev/tpm0",
        "libtss2-tcti-foo.so | libtss2-tcti-foo.so | ''"})
    void everyOtherTctiGoesThroughTheLoader(String tcti, String module, String conf) {
        assertThat(Tcti.parse(tcti)).isEqualTo(new Tcti.Loaded(module, conf));
        assertThat(Tcti.parse(Tcti.parse(tcti).toString())).isEqualTo(Tcti.parse(tcti));
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
        "swtpm:port=65535 | port must be a number 1-65534",
        "libtss2-tcti-foo.so:\0x | the configuration contains a NUL character",
        "swtpm:host= | host is empty; expected swtpm:host=HOST,port=PORT or swtpm:path=SOCKET",
        "swtpm:hots=x | unknown key \"hots\" (known: host, path, port)",
        "mssim:path=/x | unknown key \"path\" (known: host, port); expected mssim:host=HOST,port=PORT",
        "swtpm:host=a,host=b | host is given twice",
        "swtpm:127.0.0.1 | \"127.0.0.1\" is not key=value",
        "swtpm:host=a,,port=1 | \"\" is not key=value",
        "swtpm:path=/x,port=1 | path cannot be combined with host or port",
        "device:dev/tpm0 | the device must be an absolute path; expected device:/dev/tpmrm0",
        "mssim:host=256.1.1.1,port=2321 | host \"256.1.1.1\" is not an IPv4 address (four numbers 0-255",
        "swtpm:host=1.2.3 | host \"1.2.3\" is not an IPv4 address",
        "swtpm:host=tpm host | host \"tpm host\" is neither a host name nor an IP address",
        "swtpm:port=+1 | port must be a number 1-65534",
        "tabrmd:bus_type=user | bus_type must be session or system; expected tabrmd:bus_name=NAME,bus_type=session|system",
        "tabrmd:bus_name=nodots | bus_name \"nodots\" is not a D-Bus name",
        "tabrmd:bus=session | unknown key \"bus\" (known: bus_name, bus_type)",
        "cmd: | cmd needs the command to run after the colon",
        "none | tpmssh needs a TPM, and \"none\" is tpm2-tools' way of running without one",
        "swtmp:port=2321 | unknown TCTI type \"swtmp\"; expected one of swtpm:",
        "Device:/dev/tpm0 | unknown TCTI type \"Device\""})
    void rejectsMalformedStringsQuotingThem(String tcti, String message) {
        assertThatThrownBy(() -> Tcti.parse(tcti))
                .isInstanceOf(TctiException.class)
                .hasMessageStartingWith("bad TCTI \"" + tcti + "\": ")
                .hasMessageContaining(message);
    }

    /**
     * Odd strings, built from the characters and prefixes that matter to the parser: each one either parses
     * to a TCTI that prints back to itself, or is refused with a sentence. Nothing else may escape.
     */
    @Test
    void oddStringsGetATctiOrOneSentenceNeverAnotherException() {
        long seed = new SecureRandom().nextLong();
        Random random = new Random(seed);
        String[] prefixes = {"swtpm", "mssim", "device", "tabrmd", "cmd", "libtpms", "none", "libtss2-tcti-x.so.0",
            "/l/libtss2-tcti-device.so.0", "swtpm:host=", "mssim:port=", "swtpm:path=", "tabrmd:bus_name=", ""};
        String alphabet = ":,=/.-_ \t\n\0%[]+0123456789aAzZé€\u202e";
        int parsed = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder(prefixes[random.nextInt(prefixes.length)]);
            for (int n = random.nextInt(24); n > 0; n--) {
                b.append(random.nextInt(4) == 0 ? prefixes[random.nextInt(prefixes.length)]
                        : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String input = b.toString();
            try {
                Tcti tcti = Tcti.parse(input);
                assertThat(Tcti.parse(tcti.toString())).as("seed %d, input %s", seed, input).isEqualTo(tcti);
                parsed++;
            } catch (TctiException e) {
                assertThat(e.getMessage()).as("seed %d, input %s", seed, input)
                        .matches("(?s)(bad TCTI \".*\": |empty TCTI; ).*expected .+");
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ": \"" + input + "\" threw " + e, e);
            }
        }
        // The generator reaches both outcomes; a parser that refused everything would fail here.
        assertThat(parsed).as("seed %d", seed).isBetween(100, 19_900);
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
