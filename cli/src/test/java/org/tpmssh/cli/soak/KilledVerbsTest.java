package org.tpmssh.cli.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.ForeignClient;

/**
 * The short run of {@link KillVerbs} (scripts/soak/kill-verbs.sh does 200): tpmssh JVMs SIGKILLed at random moments
 * in token init, key create, key import, key delete and token change-pin, on one swtpm and one store. Afterwards
 * nothing is damaged, every listed key signs through the agent (JDK-verified), the lock is free, the TPM's slots
 * hold only the other program's object, and no verb that ran to its end failed.
 */
class KilledVerbsTest {
    @TempDir
    Path dir;

    @Test
    void killedVerbsLeaveNoDamageNoStaleLockAndNothingThatBlocks() throws Exception {
        assumeTrue(ForeignClient.unavailable().isEmpty(), () -> ForeignClient.unavailable().orElseThrow());
        KillVerbs.Report r = KillVerbs.run(Integer.getInteger("tpmssh.kills", 6), Long.getLong("tpmssh.seed",
                20261130L), dir);
        System.out.print(r.markdown());
        assertThat(r.kills()).isEqualTo(Integer.getInteger("tpmssh.kills", 6));
        assertThat(r.damaged()).isEmpty();
        assertThat(r.checkExit()).isZero();
        assertThat(r.unexpected()).isEmpty();
        assertThat(r.keys()).isPositive();
        assertThat(r.keysSigned()).isEqualTo(r.keys());
        assertThat(r.lockFree()).isTrue();
        assertThat(r.foreignSurvived()).isTrue();
        assertThat(r.transientsAtEnd()).hasSize(1);
        assertThat(r.clean()).isTrue();
    }
}
