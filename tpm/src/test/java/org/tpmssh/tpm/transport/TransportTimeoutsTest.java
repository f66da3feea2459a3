package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** TPMSSH_TPM_TIMEOUT and the defaults: what a user can write, and the sentence a typo gets. */
class TransportTimeoutsTest {

    @Test
    void theDefaultsFitTheSlowestChipsAndFindABusySwtpmSoon() {
        // RSA key generation takes 2.2-7.5 s on the slowest published chips; busy swtpm well under 30 s.
        assertThat(TransportTimeouts.DEFAULT.answer()).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
        assertThat(TransportTimeouts.DEFAULT.firstAnswer()).isLessThan(Duration.ofSeconds(10));
        assertThat(TransportTimeouts.fromEnvironment(Map.of())).isEqualTo(TransportTimeouts.DEFAULT);
        assertThat(TransportTimeouts.fromEnvironment(Map.of("TPMSSH_TPM_TIMEOUT", " "))).isEqualTo(
                TransportTimeouts.DEFAULT);
    }

    @ParameterizedTest
    @CsvSource({"90, PT1M30S", "90s, PT1M30S", "2m, PT2M", "500ms, PT0.5S", " 45 S , PT45S"})
    void theVariableSetsTheAnswerBound(String value, Duration answer) {
        TransportTimeouts t = TransportTimeouts.fromEnvironment(Map.of("TPMSSH_TPM_TIMEOUT", value));
        assertThat(t.answer()).isEqualTo(answer);
        assertThat(t.connect()).isLessThanOrEqualTo(answer);
        assertThat(t.firstAnswer()).isLessThanOrEqualTo(answer);
    }

    @Test
    void aShortAnswerBoundShortensTheOthersAndLeavesHalfForTheControlChannel() {
        TransportTimeouts t = TransportTimeouts.of(Duration.ofSeconds(3));
        assertThat(t.connect()).isEqualTo(Duration.ofSeconds(3));
        assertThat(t.firstAnswer()).isEqualTo(Duration.ofMillis(1500));
        // Too short to halve: the whole bound.
        assertThat(TransportTimeouts.of(Duration.ofNanos(1)).firstAnswer()).isEqualTo(Duration.ofNanos(1));
        assertThat(TransportTimeouts.of(Duration.ofMinutes(5))).isEqualTo(new TransportTimeouts(
                TransportTimeouts.DEFAULT.connect(), TransportTimeouts.DEFAULT.firstAnswer(), Duration.ofMinutes(5)));
    }

    @ParameterizedTest
    @CsvSource({"PT0.8S, 800 ms", "PT1S, 1 s", "PT1.5S, 1500 ms", "PT60S, 60 s", "PT0.999S, 999 ms"})
    void aBoundIsWrittenAsAPersonReadsIt(Duration bound, String text) {
        assertThat(TransportTimeouts.describe(bound)).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "abc", "1h", "5 minutes", "99999999999", "1.5"})
    void aTypoGetsOneSentence(String value) {
        assertThatThrownBy(() -> TransportTimeouts.fromEnvironment(Map.of("TPMSSH_TPM_TIMEOUT", value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TPMSSH_TPM_TIMEOUT: \"" + value + "\" is not a TPM timeout; write a positive number of"
                        + " seconds (60) or one with a unit (500ms, 90s, 2m)");
    }
}
