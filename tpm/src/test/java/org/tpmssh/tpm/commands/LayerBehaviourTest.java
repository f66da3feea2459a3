package org.tpmssh.tpm.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tpmssh.tpm.TpmInfo;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.testing.SimulatorTpm;
import org.tpmssh.tpm.testing.Verify;
import org.tpmssh.tpm.transport.Tcti;

/** Behaviour of the command layer as a whole on a real swtpm: capabilities, threads, cleanup, lockout. */
class LayerBehaviourTest {
    private static final byte[] PIN = "layer-pin-5521".getBytes(StandardCharsets.UTF_8);

    @Test
    void getCapabilityReportsTheSimulator() throws Exception {
        try (SimulatorTpm fx = SimulatorTpm.start()) {
            TpmInfo info = TpmInfo.read(fx.tpm);
            assertThat(info.manufacturer()).isEqualTo("IBM"); // libtpms reports IBM
            assertThat(info.specRevision()).startsWith("2.0 level 0 revision 1.");
            assertThat(info.firmwareVersion()).matches("\\d+\\.\\d+\\.\\d+\\.\\d+");
            assertThat(info.algorithms()).contains(Alg.RSA, Alg.ECC, Alg.SHA256, Alg.AES, Alg.CFB, Alg.ECDSA);
            assertThat(info.eccCurves()).contains(Alg.ECC_NIST_P256, Alg.ECC_NIST_P384);
            assertThat(info.transientSlotsMin()).isEqualTo(3);
            int avail = GetCapability.property(fx.tpm, GetCapability.PT_HR_TRANSIENT_AVAIL);
            assertThat(avail).isGreaterThanOrEqualTo(3);
            assertThat(GetCapability.handles(fx.tpm, Handles.TRANSIENT_FIRST)).isEmpty();
        }
    }

    @Test
    void fourThreadsSigningThroughOneTpmDoNotCorruptTheStream() throws Exception {
        try (SimulatorTpm fx = SimulatorTpm.start(); KeyRing ring = KeyRing.open(fx.tpm)) {
            List<TpmObject> keys = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                keys.add(ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "t" + i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (TpmObject key : keys) {
                    Callable<Integer> job = () -> {
                        int ok = 0;
                        for (int i = 0; i < 25; i++) {
                            byte[] msg = (key.label() + " #" + i).getBytes(StandardCharsets.UTF_8);
                            Signature s = ring.sign(key, PIN, Alg.hash(Alg.SHA256, msg), Alg.ECDSA, Alg.SHA256);
                            if (Verify.jca(key.publicArea().toPublicKey(), msg, s)) {
                                ok++;
                            }
                        }
                        return ok;
                    };
                    done.add(pool.submit(job));
                }
                for (Future<Integer> f : done) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(25);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closeLeavesNoObjectOrSessionLoadedForTheNextClient() throws Exception {
        try (SimulatorTpm fx = SimulatorTpm.start()) {
            KeyRing ring = KeyRing.open(fx.tpm);
            for (int i = 0; i < 4; i++) {
                TpmObject k = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "c" + i);
                ring.sign(k, PIN, new byte[32], Alg.ECDSA, Alg.SHA256);
            }
            assertThat(GetCapability.handles(fx.tpm, Handles.TRANSIENT_FIRST)).isNotEmpty();
            ring.close(); // closes fx.tpm's transport too
            // swtpm keeps loaded objects across connections: look with a fresh client.
            try (Tpm second = new Tpm(Tcti.parse(((org.tpmssh.emulators.Swtpm) fx.process).tcti()).open())) {
                assertThat(GetCapability.handles(second, Handles.TRANSIENT_FIRST)).isEmpty();
                assertThat(GetCapability.handles(second, Handles.HT_HMAC_SESSION << 24)).isEmpty();
            }
        }
    }

    @Test
    void aLockedOutTpmIsReportedAndTheLockoutResetRecoversIt() throws Exception {
        try (SimulatorTpm fx = SimulatorTpm.start(); KeyRing ring = KeyRing.open(fx.tpm)) {
            AuthHandle lockout = AuthHandle.lockout(null, Session.password());
            DictionaryAttack.parameters(fx.tpm, lockout, 2, 1000, 1000);
            TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "lock");
            byte[] bad = "bad-pin".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> ring.sign(key, bad, new byte[32], Alg.ECDSA, Alg.SHA256))
                        .isInstanceOfSatisfying(TpmResponseException.class,
                                e -> assertThat(e.rcName()).isEqualTo("TPM_RC_AUTH_FAIL"));
            }
            assertThat(GetCapability.property(fx.tpm, GetCapability.PT_LOCKOUT_COUNTER)).isEqualTo(2);
            // Now even the right PIN is refused: the TPM is in lockout.
            assertThatThrownBy(() -> ring.sign(key, PIN, new byte[32], Alg.ECDSA, Alg.SHA256))
                    .isInstanceOfSatisfying(TpmResponseException.class, e -> {
                        assertThat(e.rcName()).isEqualTo("TPM_RC_LOCKOUT");
                        assertThat(e.getMessage()).contains("dictionary-attack lockout");
                    });
            DictionaryAttack.lockReset(fx.tpm, lockout);
            assertThat(GetCapability.property(fx.tpm, GetCapability.PT_LOCKOUT_COUNTER)).isZero();
            assertThat(ring.sign(key, PIN, new byte[32], Alg.ECDSA, Alg.SHA256).isEcdsa()).isTrue();
        }
    }

    @Test
    void evictControlPersistsAndRemovesAnObject() throws Exception {
        try (SimulatorTpm fx = SimulatorTpm.start(); KeyRing ring = KeyRing.open(fx.tpm)) {
            int persistent = 0x81000101;
            TpmObject srk = ring.srk();
            ring.cache().use(srk, h -> {
                new EvictControl(AuthHandle.owner(), new HandleRef(h, srk.name()), persistent).execute(fx.tpm);
                return null;
            });
            try {
                assertThat(GetCapability.handles(fx.tpm, Handles.PERSISTENT_FIRST)).containsExactly(persistent);
                assertThat(new ReadPublic(persistent).execute(fx.tpm).name()).isEqualTo(srk.name());
            } finally {
                new EvictControl(AuthHandle.owner(), new HandleRef(persistent, srk.name()), persistent)
                        .execute(fx.tpm);
            }
            assertThat(GetCapability.handles(fx.tpm, Handles.PERSISTENT_FIRST)).isEmpty();
        }
    }

    @Test
    void getRandomReturnsFreshBytes() throws Exception {
        try (SimulatorTpm fx = SimulatorTpm.start()) {
            byte[] a = new GetRandom(16).execute(fx.tpm);
            byte[] b = new GetRandom(16).execute(fx.tpm);
            assertThat(a).hasSize(16);
            assertThat(a).isNotEqualTo(b);
        }
    }

    @Test
    void aTpmKilledUnderALiveKeyRingIsAClearErrorNotAHang() throws Exception {
        org.tpmssh.emulators.Swtpm sw = org.tpmssh.emulators.Swtpm.start();
        try (KeyRing ring = KeyRing.open(new Tpm(Tcti.parse(sw.tcti()).open()))) {
            DictionaryAttack.relaxForOwnSimulator(ring.tpm());
            TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "doomed");
            sw.kill();
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () ->
                    // The lost connection is reopened at once, and nothing listens: one sentence says so.
                    assertThatThrownBy(() -> ring.sign(key, PIN, new byte[32], Alg.ECDSA, Alg.SHA256))
                            .isInstanceOfSatisfying(org.tpmssh.tpm.TpmTransportException.class, e -> assertThat(
                                    e.reason()).isEqualTo(org.tpmssh.tpm.transport.TransportException.Reason.REFUSED))
                            .hasMessageContaining("cannot reach swtpm at 127.0.0.1:" + sw.port()
                                    + ": connection refused")
                            .hasCauseInstanceOf(org.tpmssh.tpm.transport.TransportException.class));
        } finally {
            sw.close();
        }
    }

    @Test
    void anOwnerPasswordIsNamedAsTheReasonTheSrkCannotBeMade() throws Exception {
        try (org.tpmssh.emulators.Swtpm sw = org.tpmssh.emulators.Swtpm.start()) {
            // tpm2-tools, an independent client, sets an owner authorization first (as a lab's TPM may have).
            ProcessBuilder pb = new ProcessBuilder("tpm2_changeauth", "-c", "o", "lab-owner-secret")
                    .redirectErrorStream(true);
            pb.environment().put("TPM2TOOLS_TCTI", sw.tcti());
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();

            try (Tpm tpm = new Tpm(Tcti.parse(sw.tcti()).open())) {
                assertThatThrownBy(() -> KeyRing.open(tpm))
                        .isInstanceOfSatisfying(TpmResponseException.class,
                                e -> assertThat(e.rcName()).isEqualTo("TPM_RC_BAD_AUTH"))
                        .hasMessageContaining("the owner hierarchy has an authorization value set")
                        .hasMessageNotContaining("lab-owner-secret");
                // Hierarchy authorizations are exempt from dictionary-attack counting: nothing was counted.
                assertThat(GetCapability.property(tpm, GetCapability.PT_LOCKOUT_COUNTER)).isZero();
            }
        }
    }
}
