package org.tpmssh.harness.backends;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tpmssh.axes.Backend;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.CreatePrimary;
import org.tpmssh.tpm.commands.FlushContext;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.Leftovers;
import org.tpmssh.tpm.structures.Handles;

/**
 * What a killed tpmssh leaves (here a copy of the ring's own SRK, which has its Name) is flushed on a swtpm this run
 * started, and left untouched on one the harness treats as a lab device: the lab rules never flush anything.
 */
class LabLeftoversTest {

    @Test
    void onSwtpmAsDeviceACopyOfOurOwnSrkIsLeftAlone() throws Exception {
        TpmBackend backend = Backends.start(Backend.SWTPM_AS_DEVICE, new Backends.Config(Optional.empty(), false));
        try {
            assertThat(backend.leftovers()).isInstanceOf(Leftovers.LeaveAll.class);
            int copy = srkCopy(backend);
            KeyRing ring = backend.ring();
            assertThat(GetCapability.handles(backend.tpm(), Handles.TRANSIENT_FIRST)).as("the copy is still there")
                    .contains(copy);
            assertThat(ReadPublic.name(backend.tpm(), copy)).as("and it has our SRK's Name: ours, by every proof,"
                    + " yet a lab's").isEqualTo(ring.srk().name());
            new FlushContext(copy).execute(backend.tpm()); // this test made it
        } finally {
            backend.close(); // the lab guard: the handle lists are as it found them
        }
    }

    @Test
    void onASwtpmOfOurOwnTheCopyIsFlushedWhenTheRingOpens() throws Exception {
        try (TpmBackend backend = Backends.start(Backend.SWTPM_UNIX, Backends.Config.none())) {
            assertThat(backend.leftovers()).isInstanceOf(Leftovers.FlushOurs.class);
            int copy = srkCopy(backend);
            KeyRing ring = backend.ring();
            assertThat(GetCapability.handles(backend.tpm(), Handles.TRANSIENT_FIRST)).as("only the ring's own SRK")
                    .doesNotContain(copy).hasSize(1);
            assertThat(ring.srk().name()).isNotEmpty();
        }
    }

    /** A transient copy of the ECC SRK, as a tpmssh killed before it flushed its ring would leave it. */
    private static int srkCopy(TpmBackend backend) throws Exception {
        return new CreatePrimary(AuthHandle.owner(), ParentKind.ECC.template(), new byte[0]).execute(backend.tpm())
                .handle();
    }
}
