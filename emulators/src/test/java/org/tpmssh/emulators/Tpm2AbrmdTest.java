package org.tpmssh.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real tpm2-abrmd on a private dbus-daemon in front of a real swtpm. */
class Tpm2AbrmdTest {

    @BeforeAll
    static void packagesInstalled() {
        SearchPath path = SearchPath.system();
        assumeTrue(path.find("tpm2-abrmd").isPresent(), "tpm2-abrmd is not installed (package tpm2-abrmd)");
        assumeTrue(path.find("dbus-daemon").isPresent(), "dbus-daemon is not installed (package dbus-daemon)");
        assumeTrue(LibraryPath.find(Tpm2Abrmd.TCTI_LIBRARY, LibraryPath.directories()).isPresent(),
                "libtss2-tcti-tabrmd0 is not installed");
    }

    @Test
    void aClientReachesTheTpmThroughItsTctiAndCloseReapsBothProcesses() throws Exception {
        Path home;
        long abrmdPid;
        long dbusPid;
        try (Swtpm tpm = Swtpm.start(); Tpm2Abrmd rm = Tpm2Abrmd.start(tpm.tcti())) {
            assertThat(rm.tcti()).startsWith("tabrmd:bus_type=session,bus_name=org.tpmssh.Tabrmd.i");
            assertThat(rm.environment()).containsEntry("TPM2TOOLS_TCTI", rm.tcti())
                    .containsEntry("TPM2_PKCS11_TCTI", rm.tcti())
                    .containsEntry("DBUS_SESSION_BUS_ADDRESS", rm.busAddress());
            abrmdPid = rm.pid();
            dbusPid = rm.dbusPid();
            home = Path.of(rm.busAddress().substring("unix:path=".length())).getParent();

            // An independent client: tpm2-tools reads the manufacturer through the resource manager.
            assertThat(getcap(rm)).contains("TPM2_PT_MANUFACTURER");
        }
        assertThat(ProcessHandle.of(abrmdPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(ProcessHandle.of(dbusPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(home).doesNotExist();
    }

    @Test
    void twoAtOnceHaveTheirOwnBusAndName() {
        try (Swtpm a = Swtpm.start(); Swtpm b = Swtpm.start();
                Tpm2Abrmd ra = Tpm2Abrmd.start(a.tcti()); Tpm2Abrmd rb = Tpm2Abrmd.start(b.tcti())) {
            assertThat(ra.busName()).isNotEqualTo(rb.busName());
            assertThat(ra.busAddress()).isNotEqualTo(rb.busAddress());
            assertThat(ra.isAlive()).isTrue();
            assertThat(rb.isAlive()).isTrue();
        }
    }

    @Test
    void twoOnOneBusHaveTheirOwnNamesAndTheBusOutlivesThem() throws Exception {
        try (SessionBus bus = SessionBus.start(); Swtpm a = Swtpm.start(); Swtpm b = Swtpm.start()) {
            try (Tpm2Abrmd ra = Tpm2Abrmd.builder(a.tcti()).bus(bus).start();
                    Tpm2Abrmd rb = Tpm2Abrmd.builder(b.tcti()).bus(bus).start()) {
                assertThat(ra.busAddress()).isEqualTo(bus.address()).isEqualTo(rb.busAddress());
                assertThat(ra.busName()).isNotEqualTo(rb.busName());
                assertThat(ra.dbusPid()).isEqualTo(bus.pid());
                assertThat(getcap(ra)).contains("TPM2_PT_MANUFACTURER");
                assertThat(getcap(rb)).contains("TPM2_PT_MANUFACTURER");
                ra.close();
                assertThat(bus.isAlive()).isTrue();
                assertThat(getcap(rb)).as("the other tpm2-abrmd on the same bus").contains("TPM2_PT_MANUFACTURER");
            }
            assertThat(bus.isAlive()).isTrue();
        }
    }

    private static String getcap(Tpm2Abrmd rm) throws Exception {
        ProcessBuilder getcap = new ProcessBuilder("tpm2_getcap", "properties-fixed").redirectErrorStream(true);
        getcap.environment().putAll(rm.environment());
        Process process = getcap.start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void aMissingDaemonIsNamedWithItsPackage(@TempDir Path empty) throws IOException {
        // Everything but tpm2-abrmd: the directories of the other programs, without the sbin it lives in.
        SearchPath withoutAbrmd = SearchPath.only(List.of(empty,
                SearchPath.system().find("dbus-daemon").orElseThrow().getParent(),
                SearchPath.system().find("tpm2_getcap").orElseThrow().getParent()));
        assumeTrue(withoutAbrmd.find("tpm2-abrmd").isEmpty(), "tpm2-abrmd shares a directory with dbus-daemon");

        assertThatThrownBy(() -> Tpm2Abrmd.builder("swtpm:host=127.0.0.1,port=1").searchPath(withoutAbrmd).start())
                .isInstanceOf(EmulatorException.class)
                .hasMessageStartingWith("tpm2-abrmd is not installed (package tpm2-abrmd)");
    }

    @Test
    void aMissingTctiLibraryIsNamedWithItsPackage(@TempDir Path empty) {
        assertThatThrownBy(() -> Tpm2Abrmd.builder("swtpm:host=127.0.0.1,port=1")
                .libraryDirectories(List.of(empty)).start())
                .isInstanceOf(EmulatorException.class)
                .hasMessageContaining("libtss2-tcti-tabrmd.so.0 is not installed (package libtss2-tcti-tabrmd0)");
    }

    @Test
    void aBackendThatIsNotThereFailsTheStartAndLeavesNoProcess() throws IOException {
        int unused = EmulatorProcess.freePortPair();
        long before = ProcessHandle.current().children().count();
        assertThatThrownBy(() -> Tpm2Abrmd.builder("swtpm:host=127.0.0.1,port=" + unused)
                .readyTimeout(java.time.Duration.ofSeconds(5)).start())
                .isInstanceOf(EmulatorException.class)
                .hasMessageContaining("tpm2-abrmd");
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isEqualTo(before);
    }
}
