package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.agent.TpmOutage.Outcome;
import org.tpmssh.stack.agent.TpmOutage.Turn;

/** The outage bookkeeping on its own: whose turn it is to try the TPM, and what the log says when it goes and returns. */
class TpmOutageTest {

    private final AgentLogCapture log = new AgentLogCapture();
    private final TpmOutage outage = new TpmOutage();

    @AfterEach
    void stop() {
        log.close();
    }

    @Test
    void duringAnOutageOneRequestProbesAndTheRestSkipAndAllTheirFailuresAreCounted() {
        long before = System.nanoTime();
        Turn first = outage.begin();
        assertThat(first).isEqualTo(Turn.ASK);
        outage.end(first, Outcome.UNREACHABLE, "the TPM gave no answer."); // failure 1
        assertThat(log.records(Level.WARNING)).containsExactly("agent: the TPM gave no answer. Signatures with its"
                + " keys fail until it is back; meanwhile one request at a time tries it (said once per outage)");

        Turn probe = outage.begin();
        assertThat(probe).isEqualTo(Turn.PROBE);
        assertThat(outage.begin()).isEqualTo(Turn.SKIP); // failure 2
        assertThat(outage.begin()).isEqualTo(Turn.SKIP); // failure 3
        outage.end(probe, Outcome.UNREACHABLE, "still no answer"); // failure 4
        assertThat(log.records(Level.FINE)).contains("agent: the TPM is still out of reach: still no answer");

        Turn next = outage.begin();
        assertThat(next).as("the probe ended, so the next request probes").isEqualTo(Turn.PROBE);
        outage.end(next, Outcome.OTHER, "a wrong PIN"); // not counted: the TPM answered, but did not sign
        Turn last = outage.begin();
        assertThat(last).isEqualTo(Turn.PROBE);
        outage.end(last, Outcome.SIGNED, null);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);

        List<String> back = log.records(Level.INFO);
        assertThat(back).hasSize(1);
        Matcher m = Pattern.compile("agent: the TPM answers again after (\\d+) ms; 4 signature request\\(s\\) failed"
                + " meanwhile").matcher(back.get(0));
        assertThat(m.matches()).as(back.get(0)).isTrue();
        assertThat(Long.parseLong(m.group(1))).as("the outage's length, within what the test saw")
                .isBetween(0L, elapsed);
        assertThat(outage.begin()).as("over").isEqualTo(Turn.ASK);
    }

    @Test
    void aReasonWithoutAFullStopIsLoggedWhole() {
        outage.end(outage.begin(), Outcome.UNREACHABLE, "TPM device /dev/tpmrm0 is gone");
        assertThat(log.records(Level.WARNING)).singleElement().asString()
                .startsWith("agent: TPM device /dev/tpmrm0 is gone. Signatures with its keys fail");
    }
}
