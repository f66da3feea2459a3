package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.LibraryPath;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.tpm.TpmTransportException;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.testing.Verify;

/**
 * The TCTI loader transport against real TCTI modules: tabrmd (a real tpm2-abrmd on a private D-Bus in front of
 * a real swtpm) and swtpm's own module; and the sentences for what is not installed.
 */
class TctiLoaderTransportTest {

    private static final byte[] PIN = "loader-pin-7".getBytes(StandardCharsets.UTF_8);
    private static final TransportTimeouts TIMEOUTS = TransportTimeouts.of(Duration.ofSeconds(30));

    @BeforeAll
    static void loaderInstalled() {
        assumeTrue(LibraryPath.find(TctiLoaderTransport.LOADER, LibraryPath.directories()).isPresent(),
                "the TCTI loader is not installed (package libtss2-tctildr0)");
    }

    @Test
    void aKeySignsThroughTpm2AbrmdWhileOtherClientsUseAndFlushTheSameTpm() throws Exception {
        assumeTrue(SearchPath.system().find("tpm2-abrmd").isPresent(), "tpm2-abrmd is not installed");
        assumeTrue(LibraryPath.find(Tpm2Abrmd.TCTI_LIBRARY, LibraryPath.directories()).isPresent(),
                "libtss2-tcti-tabrmd0 is not installed");
        try (Swtpm swtpm = Swtpm.start(); Tpm2Abrmd abrmd = Tpm2Abrmd.start(swtpm.tcti())) {
            // The tabrmd module finds a session bus where every client does: in the process's environment.
            NativeEnvironment.set("DBUS_SESSION_BUS_ADDRESS", abrmd.busAddress(), true);
            Tcti tcti = Tcti.parse(abrmd.tcti());
            assertThat(tcti).isInstanceOf(Tcti.Loaded.class);
            try (KeyRing ring = KeyRing.open(new Tpm(tcti.open(TIMEOUTS)))) {
                DictionaryAttack.relaxForOwnSimulator(ring.tpm());
                TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "k");
                assertSigns(ring, key, "through tpm2-abrmd");

                // Other clients of the same TPM while we hold our connection: a read, and a flush of every
                // transient object (what abrmd lets a client see is only its own).
                assertThat(tpm2(abrmd, "tpm2_getcap", "properties-fixed")).contains("TPM2_PT_MANUFACTURER");
                tpm2(abrmd, "tpm2_flushcontext", "-t");

                assertSigns(ring, key, "after another client's tpm2_flushcontext -t");

                // tpm2-abrmd goes away: the lost connection is retried once, and that attempt says what is wrong.
                abrmd.close();
                assertThatThrownBy(() -> ring.sign(key, PIN, new byte[32], Alg.ECDSA, Alg.SHA256))
                        .isInstanceOfSatisfying(TpmTransportException.class,
                                e -> assertThat(e.reason()).isEqualTo(TransportException.Reason.REFUSED))
                        .hasMessageStartingWith("cannot reach the TPM through the TCTI \"" + abrmd.tcti() + "\"")
                        .hasMessageContaining("is tpm2-abrmd running");
            }
        }
    }

    @Test
    void swtpmsOwnModuleWorksWhenNamedByItsFile() throws Exception {
        assumeTrue(LibraryPath.find("libtss2-tcti-swtpm.so.0", LibraryPath.directories()).isPresent(),
                "libtss2-tcti-swtpm0 is not installed");
        try (Swtpm swtpm = Swtpm.start()) {
            Tcti tcti = Tcti.parse("libtss2-tcti-swtpm.so.0:host=127.0.0.1,port=" + swtpm.port());
            try (TpmTransport transport = tcti.open(TIMEOUTS)) {
                Tpm2.assertEightRandomBytes(transport.transmit(Tpm2.getRandom8()));
            }
        }
    }

    @Test
    void aModuleThatIsNotInstalledIsNamedWithItsPackage() {
        // tpm2-tss 3.2 (Debian 12) has no libtpms module; 4.0 (Debian 13) ships it as libtss2-tcti-libtpms0.
        assumeTrue(LibraryPath.find("libtss2-tcti-libtpms.so", LibraryPath.directories()).isEmpty(),
                "libtss2-tcti-libtpms0 is installed here");
        assertThatThrownBy(() -> Tcti.parse("libtpms:/tmp/state").open(TIMEOUTS))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.reason()).isEqualTo(TransportException.Reason.NO_MODULE))
                .hasMessage("the TCTI module libtss2-tcti-libtpms.so.0 that --tcti \"libtpms:/tmp/state\" needs is"
                        + " not installed (Debian package libtss2-tcti-libtpms0)");
    }

    @Test
    void aMissingLoaderIsNamedWithItsPackage() {
        // A test hook: the same load under a name no system has, as on a machine without libtss2-tctildr0.
        assertThatThrownBy(() -> TctiLoaderTransport.loader("tabrmd", "libtss2-tctildr-missing.so.0"))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.reason()).isEqualTo(TransportException.Reason.NO_MODULE))
                .hasMessage("the TCTI loader libtss2-tctildr.so.0 is not installed (Debian package"
                        + " libtss2-tctildr0), and --tcti \"tabrmd\" needs it; swtpm:, mssim: and device: work"
                        + " without it");
    }

    @Test
    void tabrmdWithNobodyOnTheBusSaysWhatToStart(@TempDir Path dir) throws Exception {
        assumeTrue(LibraryPath.find(Tpm2Abrmd.TCTI_LIBRARY, LibraryPath.directories()).isPresent(),
                "libtss2-tcti-tabrmd0 is not installed");
        long start = System.nanoTime();
        assertThatThrownBy(() -> Tcti.parse("tabrmd:bus_type=system,bus_name=org.tpmssh.Nobody").open(TIMEOUTS))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.reason()).isIn(TransportException.Reason.REFUSED))
                .hasMessageStartingWith("cannot reach the TPM through the TCTI"
                        + " \"tabrmd:bus_type=system,bus_name=org.tpmssh.Nobody\"")
                .hasMessageContaining("is tpm2-abrmd running");
        System.out.printf("tabrmd with no daemon: refused after %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    @Test
    void theLoadersDeviceModuleRefusesAFileToo(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("id_ed25519"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        byte[] before = Files.readAllBytes(file);
        assertThatThrownBy(() -> Tcti.parse("libtss2-tcti-device.so.0:" + file).open(TIMEOUTS))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.reason()).isEqualTo(TransportException.Reason.NOT_A_TPM))
                .hasMessageStartingWith("refusing to use " + file + " as a TPM: it is a regular file");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void debianPackagesFollowOneRule() {
        assertThat(TctiLoaderTransport.debianPackage("tabrmd")).isEqualTo("libtss2-tcti-tabrmd0");
        assertThat(TctiLoaderTransport.debianPackage("libtss2-tcti-cmd.so.0")).isEqualTo("libtss2-tcti-cmd0");
        assertThat(TctiLoaderTransport.debianPackage("/usr/lib/x86_64-linux-gnu/libtss2-tcti-spi-helper.so"))
                .isEqualTo("libtss2-tcti-spi-helper0");
    }

    private static void assertSigns(KeyRing ring, TpmObject key, String when) throws Exception {
        byte[] message = when.getBytes(StandardCharsets.UTF_8);
        Signature s = ring.sign(key, PIN, Alg.hash(Alg.SHA256, message), Alg.ECDSA, Alg.SHA256);
        assertThat(Verify.jca(key.publicArea().toPublicKey(), message, s)).as(when).isTrue();
    }

    /** Runs a tpm2-tools command against abrmd, as an independent client process; returns its output. */
    private static String tpm2(Tpm2Abrmd abrmd, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.putAll(abrmd.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + " did not finish: " + out);
        }
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }
}
