package org.tpmssh.stack.pinentry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinRequiredException;

/**
 * The PIN lifecycle without an agent: a PIN is cached only once its use succeeded, evicted when the
 * use reports it incorrect, and wiped after each use. The "TPM" here is a lambda that compares PINs.
 */
class PinResolverTest {

    private static final System.Logger LOG = System.getLogger(PinResolverTest.class.getName());

    @Test
    void anAcceptedPinIsCachedARefusedOneEvictedAndEveryCopyWiped() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        PinSource source = new PinSource() {
            @Override
            public char[] pin(String scope, String prompt) {
                asked.incrementAndGet();
                return "1234".toCharArray();
            }

            @Override
            public String howToProvide() {
                return "test";
            }
        };
        PinResolver pins = new PinResolver(List.of(source), Duration.ofHours(1), Clock.systemUTC(), null, LOG);
        List<char[]> seen = new ArrayList<>();
        String first = pins.withPin("token 'a'", "k", pin -> {
            seen.add(pin);
            return new String(pin);
        });
        assertThat(first).isEqualTo("1234");
        pins.withPin("token 'a'", "k", pin -> seen.add(pin));
        assertThat(asked).hasValue(1);

        assertThatThrownBy(() -> pins.withPin("token 'a'", "k", pin -> {
            throw new PinIncorrectException("refused");
        })).isInstanceOf(PinIncorrectException.class);
        pins.withPin("token 'a'", "k", pin -> seen.add(pin));
        assertThat(asked).hasValue(2);
        assertThat(seen).hasSize(3).allSatisfy(pin -> assertThat(pin).containsOnly('\0'));
    }

    @Test
    void withoutAnyAnswerItSaysWhatToDoAndNeverCallsTheUse() {
        PinResolver pins = new PinResolver(List.of(PinSources.environment(Map.of())), Duration.ZERO,
                Clock.systemUTC(), null, LOG);
        AtomicInteger uses = new AtomicInteger();
        assertThatThrownBy(() -> pins.withPin("token 'a'", "k", pin -> uses.incrementAndGet()))
                .isInstanceOf(PinRequiredException.class).hasMessageContaining("needs the PIN of token 'a'");
        assertThat(uses).hasValue(0);
    }
}
