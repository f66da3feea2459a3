package org.tpmssh.tpm.crosscheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.Create;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.testing.SimulatorTpm;
import org.tpmssh.tpm.testing.Verify;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.CreateResponse;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMS_SIGNATURE_ECC;
import tss.tpm.TPMS_SIGNATURE_RSA;
import tss.tpm.TPMS_SIG_SCHEME_ECDSA;
import tss.tpm.TPMS_SIG_SCHEME_RSASSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_TK_HASHCHECK;
import tss.tpm.TPMU_SIGNATURE;
import tss.tpm.TPMU_SIG_SCHEME;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_ECC_CURVE;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RC;
import tss.tpm.TPM_RH;

/**
 * Keys move between our layer and TSS.Java on one swtpm, each side under the SRK of its own
 * template, and the JDK verifies every signature. Faked: TSS.Java's device ({@link TssJava}).
 */
class KeyInteropTest {
    private static final byte[] PIN = "interop 4711".getBytes(StandardCharsets.UTF_8);
    private static final byte[] MESSAGE = "signed across two TSSes".getBytes(StandardCharsets.UTF_8);
    static SimulatorTpm fx;
    static KeyRing ring;
    static tss.Tpm tss;
    List<Integer> loadedBefore;

    /** One key type as each side spells it: template and signing scheme. */
    enum Kind {
        ECC_P256(Templates.eccSigningKey(Alg.ECC_NIST_P256, false),
                TssTemplates.eccSigningKey(TPM_ECC_CURVE.NIST_P256, false), Alg.ECDSA,
                new TPMS_SIG_SCHEME_ECDSA(TPM_ALG_ID.SHA256)),
        RSA_2048(Templates.rsaSigningKey(2048, false), TssTemplates.rsaSigningKey(2048, false), Alg.RSASSA,
                new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256));

        final TpmtPublic ours;
        final TPMT_PUBLIC theirs;
        final int scheme;
        final TPMU_SIG_SCHEME tssScheme;

        Kind(TpmtPublic ours, TPMT_PUBLIC theirs, int scheme, TPMU_SIG_SCHEME tssScheme) {
            this.ours = ours;
            this.theirs = theirs;
            this.scheme = scheme;
            this.tssScheme = tssScheme;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        fx = SimulatorTpm.start();
        ring = fx.keyRing();
        tss = TssJava.over(fx.tpm);
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @BeforeEach
    void noteLoadedObjects() throws Exception {
        loadedBefore = GetCapability.handles(fx.tpm, Handles.TRANSIENT_FIRST);
    }

    @AfterEach
    void tssJavaLeftNothingLoaded() throws Exception {
        assertThat(GetCapability.handles(fx.tpm, Handles.TRANSIENT_FIRST)).isSubsetOf(loadedBefore);
    }

    @ParameterizedTest(name = "[ours -> TSS.Java | {0}]")
    @EnumSource(Kind.class)
    void aKeyWeCreateSignsThroughTssJava(Kind kind) throws Exception {
        // What KeyRing.create does, keeping the private blob that it hands to the cache.
        Create.Result ours = ring.cache().use(ring.srk(), h -> new Create(
                new AuthHandle(h, ring.srk().name(), null, ring.session()), kind.ours, PIN).execute(fx.tpm));

        TPM_HANDLE srk = tssSrk();
        TPM_HANDLE key = null;
        try {
            key = tss.Load(srk, new TPM2B_PRIVATE(ours.outPrivate()),
                    TPMT_PUBLIC.fromBytes(ours.outPublic().toBytes()));
            assertThat(tss.ReadPublic(key).name).as("the TPM's Name for our key")
                    .isEqualTo(ours.outPublic().name());
            byte[] digest = Alg.hash(Alg.SHA256, MESSAGE);
            // The PIN is what authorizes: a wrong one is refused (DA limits are relaxed by the fixture).
            key.AuthValue = "not the PIN".getBytes(StandardCharsets.UTF_8);
            tss._expectError(TPM_RC.AUTH_FAIL).Sign(key, digest, kind.tssScheme, TPMT_TK_HASHCHECK.nullTicket());
            assertThat(tss._getLastResponseCode()).isEqualTo(TPM_RC.AUTH_FAIL);
            key.AuthValue = PIN;
            TPMU_SIGNATURE sig = tss.Sign(key, digest, kind.tssScheme, TPMT_TK_HASHCHECK.nullTicket());
            assertThat(Verify.jca(ours.outPublic().toPublicKey(), MESSAGE, fromTss(sig))).isTrue();
        } finally {
            if (key != null) {
                tss.FlushContext(key);
            }
            tss.FlushContext(srk);
        }
    }

    @ParameterizedTest(name = "[TSS.Java -> ours | {0}]")
    @EnumSource(Kind.class)
    void aKeyTssJavaCreatesSignsThroughOurLayer(Kind kind) throws Exception {
        TPM_HANDLE srk = tssSrk();
        CreateResponse theirs;
        try {
            theirs = tss.Create(srk, new TPMS_SENSITIVE_CREATE(PIN, new byte[0]), kind.theirs, new byte[0],
                    new TPMS_PCR_SELECTION[0]);
        } finally {
            tss.FlushContext(srk);
        }

        TpmtPublic pub = TpmtPublic.fromBytes(theirs.outPublic.toBytes());
        TpmObject key = ring.register(theirs.outPrivate.buffer, pub, "tss-" + kind);
        try {
            byte[] digest = Alg.hash(Alg.SHA256, MESSAGE);
            Signature sig = ring.sign(key, PIN, digest, kind.scheme, Alg.SHA256);
            assertThat(Verify.jca(pub.toPublicKey(), MESSAGE, sig)).isTrue();
        } finally {
            ring.cache().release(key);
        }
    }

    /** TSS.Java's own SRK: CreatePrimary under the owner through its password session. */
    private static TPM_HANDLE tssSrk() {
        CreatePrimaryResponse r = tss.CreatePrimary(TPM_HANDLE.from(TPM_RH.OWNER),
                new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]), TssTemplates.srkEcc(), new byte[0],
                new TPMS_PCR_SELECTION[0]);
        assertThat(r.name).as("TSS.Java's SRK is our SRK").isEqualTo(ring.srk().name());
        return r.handle;
    }

    private static Signature fromTss(TPMU_SIGNATURE sig) {
        if (sig instanceof TPMS_SIGNATURE_ECC e) {
            return new Signature(sig.GetUnionSelector().toInt(), e.hash.toInt(), e.signatureR, e.signatureS, null);
        }
        TPMS_SIGNATURE_RSA r = (TPMS_SIGNATURE_RSA) sig;
        return new Signature(sig.GetUnionSelector().toInt(), r.hash.toInt(), null, null, r.sig);
    }
}
