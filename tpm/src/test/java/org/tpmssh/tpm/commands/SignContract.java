package org.tpmssh.tpm.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.testing.SimulatorTpm;
import org.tpmssh.tpm.testing.Verify;

/**
 * Create, load and sign on a real simulator; every signature is checked by the JDK, not by us.
 * The same contract runs on each backend: {@link SwtpmTcpSignTest}, {@link SwtpmUnixSignTest},
 * {@link MssimSignTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SignContract {
    private static final byte[] PIN = "correct horse 123456".getBytes(StandardCharsets.UTF_8);
    SimulatorTpm fx;
    KeyRing ring;

    abstract SimulatorTpm.Backend backend();

    @BeforeAll
    void start() throws Exception {
        SimulatorTpm.unavailable(backend()).ifPresent(reason -> Assumptions.abort(backend() + " skipped: " + reason));
        fx = SimulatorTpm.start(backend());
        ring = fx.keyRing();
    }

    @AfterAll
    void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    static TpmtPublic template(String kind) {
        switch (kind) {
            case "p256": return Templates.eccSigningKey(Alg.ECC_NIST_P256, false);
            case "p384": return Templates.eccSigningKey(Alg.ECC_NIST_P384, false);
            case "rsa2048": return Templates.rsaSigningKey(2048, false);
            default: throw new IllegalArgumentException(kind);
        }
    }

    @ParameterizedTest(name = "[{0} | {1} | {2}]")
    @CsvSource({
        "p256, ECDSA, SHA-256",
        "p384, ECDSA, SHA-384",
        "rsa2048, RSASSA, SHA-256",
        "rsa2048, RSAPSS, SHA-256",
    })
    void createdKeySignsAndTheJdkVerifies(String kind, String scheme, String hash) throws Exception {
        TpmObject key = ring.create(template(kind), PIN, kind);
        byte[] message = ("message for " + kind + scheme).getBytes(StandardCharsets.UTF_8);
        int hashAlg = hash.equals("SHA-256") ? Alg.SHA256 : Alg.SHA384;
        int schemeAlg = scheme.equals("ECDSA") ? Alg.ECDSA : scheme.equals("RSASSA") ? Alg.RSASSA : Alg.RSAPSS;
        Signature sig = ring.sign(key, PIN, Alg.hash(hashAlg, message), schemeAlg, hashAlg);

        assertThat(sig.sigAlg()).isEqualTo(schemeAlg);
        assertThat(Verify.jca(key.publicArea().toPublicKey(), message, sig)).isTrue();
        byte[] other = "a different message".getBytes(StandardCharsets.UTF_8);
        assertThat(Verify.jca(key.publicArea().toPublicKey(), other, sig)).isFalse();
    }

    @Test
    void aKeyLoadedFromItsBlobsSignsAsTheOriginal() throws Exception {
        Tpm tpm = fx.tpm;
        TpmtPublic srkPub = ring.srk().publicArea();
        TpmObject key = ring.create(template("p256"), PIN, "blob");
        // Load the same public area through the raw command, with the parent's Name as our layer computes it.
        byte[] name = ring.cache().use(key, h -> new ReadPublic(h).execute(tpm).name());
        assertThat(name).isEqualTo(key.publicArea().name());
        byte[] srkName = ring.cache().use(ring.srk(), h -> new ReadPublic(h).execute(tpm).name());
        assertThat(srkName).isEqualTo(srkPub.name());
    }

    @Test
    void contextSaveAndLoadKeepTheKeyUsable() throws Exception {
        Tpm tpm = fx.tpm;
        TpmObject key = ring.create(template("p256"), PIN, "ctx");
        byte[] msg = "after a context round trip".getBytes(StandardCharsets.UTF_8);
        // Save the loaded key, load the saved context as a second copy, and sign with that copy.
        Signature sig = ring.cache().use(key, h -> {
            SavedContext saved = new ContextSave(h).execute(tpm);
            assertThat(saved.savedHandle()).isNotZero();
            int back = new ContextLoad(saved).execute(tpm);
            try {
                assertThat(back).isNotEqualTo(h);
                AuthHandle auth = new AuthHandle(back, key.name(), PIN, ring.session());
                return Sign.ecdsa(auth, Alg.hash(Alg.SHA256, msg)).execute(tpm);
            } finally {
                new FlushContext(back).execute(tpm);
            }
        });
        assertThat(Verify.jca(key.publicArea().toPublicKey(), msg, sig)).isTrue();
        ring.cache().release(key);
    }

    @Test
    void moreKeysThanTheTpmHasSlotsAllSignInTurn() throws Exception {
        List<TpmObject> keys = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            keys.add(ring.create(template("p256"), PIN, "k" + i));
        }
        for (int round = 0; round < 2; round++) {
            for (TpmObject key : keys) {
                byte[] msg = ("round " + round + " " + key.label()).getBytes(StandardCharsets.UTF_8);
                Signature sig = ring.sign(key, PIN, Alg.hash(Alg.SHA256, msg), Alg.ECDSA, Alg.SHA256);
                assertThat(Verify.jca(key.publicArea().toPublicKey(), msg, sig)).as(key.label()).isTrue();
                assertThat(ring.cache().loadedCount()).isLessThanOrEqualTo(3);
            }
        }
        for (TpmObject key : keys) {
            ring.cache().release(key);
        }
    }

    @Test
    void aWrongPinOnADictionaryProtectedKeyIsAuthFail() throws Exception {
        TpmObject key = ring.create(template("p256"), PIN, "da");
        byte[] digest = Alg.hash(Alg.SHA256, new byte[] {1});
        assertThatThrownBy(() -> ring.sign(key, "Xq7-bogus".getBytes(StandardCharsets.UTF_8), digest, Alg.ECDSA,
                Alg.SHA256))
                .isInstanceOfSatisfying(TpmResponseException.class, e -> {
                    assertThat(e.rcName()).isEqualTo("TPM_RC_AUTH_FAIL");
                    assertThat(e.baseCode()).isEqualTo(ResponseCodes.AUTH_FAIL);
                })
                .hasMessageContaining("TPM_RC_AUTH_FAIL")
                .hasMessageNotContaining("Xq7-bogus");
        // The session survives a failed authorization: the right PIN still works.
        Signature ok = ring.sign(key, PIN, digest, Alg.ECDSA, Alg.SHA256);
        assertThat(ok.isEcdsa()).isTrue();
    }

    @Test
    void aWrongPinOnANoDaKeyIsBadAuthThroughAnUnboundSession() throws Exception {
        Tpm tpm = fx.tpm;
        TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, true), PIN, "noda");
        byte[] digest = Alg.hash(Alg.SHA256, new byte[] {2});
        org.tpmssh.tpm.sessions.HmacSession unbound = ring.cache().use(ring.srk(),
                h -> tpm.startHmacSession(h, ring.srk().publicArea(), null, 0));
        try {
            assertThatThrownBy(() -> ring.cache().use(key, h -> Sign.ecdsa(new AuthHandle(h, key.name(),
                    "nope".getBytes(StandardCharsets.UTF_8), unbound), digest).execute(tpm)))
                    .isInstanceOfSatisfying(TpmResponseException.class,
                            e -> assertThat(e.rcName()).isEqualTo("TPM_RC_BAD_AUTH"));
        } finally {
            tpm.flushSession(unbound);
        }
    }

    @Test
    void aSessionBoundToTheDaProtectedSrkMakesEveryFailureCount() throws Exception {
        // Part 1 19.6.11 / the reference IncrementLockout: a session bound to a DA-protected
        // entity is "DA bound", so even a noDA key's failure through it is TPM_RC_AUTH_FAIL.
        TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, true), PIN, "noda-bound");
        byte[] digest = Alg.hash(Alg.SHA256, new byte[] {3});
        assertThatThrownBy(() -> ring.sign(key, "nope".getBytes(StandardCharsets.UTF_8), digest, Alg.ECDSA,
                Alg.SHA256))
                .isInstanceOfSatisfying(TpmResponseException.class,
                        e -> assertThat(e.rcName()).isEqualTo("TPM_RC_AUTH_FAIL"));
    }

    @Test
    void aPinlessKeySignsThroughAPasswordSession() throws Exception {
        TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, true), new byte[0], "pinless");
        byte[] msg = "no PIN".getBytes(StandardCharsets.UTF_8);
        Signature sig = ring.sign(key, new byte[0], Alg.hash(Alg.SHA256, msg), Alg.ECDSA, Alg.SHA256);
        assertThat(Verify.jca(key.publicArea().toPublicKey(), msg, sig)).isTrue();
    }
}
