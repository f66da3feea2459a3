package org.tpmssh.tpm.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Set;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmInfo;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.sessions.HmacSession;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.transport.FuzzedTpm;

/**
 * Fuzz targets for what a TPM answers, one for each command we send and for the layers above them (KeyRing and
 * its object cache). A fake TPM ({@link FuzzedTpm}) answers with fuzzed response frames; in
 * {@link #sessionResponses} a fake TPM ({@link SessionFakeTpm}) also plays the TPM's half of an HMAC session, so
 * that fuzzed parameters reach response decryption and the parsers behind it. The contract: a result, or a
 * {@link TpmException} (a transport, format or response-code error); never another exception or a hang.
 * Seeds are responses a real swtpm gave (recorded by {@link TpmResponseSeeds}).
 */
class TpmResponseFuzzTest {

    /** The authValue of the fake objects a command authorizes: what a PIN derives. */
    static final byte[] AUTH = "fuzzed-key-auth-value-32-bytes!!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final byte[] DIGEST = new byte[32];
    static final int PARENT = Handles.TRANSIENT_FIRST;
    static final int KEY = Handles.TRANSIENT_FIRST + 1;
    static final TpmtPublic ECC_SALT_KEY = publicArea("EC");
    static final TpmtPublic RSA_SALT_KEY = publicArea("RSA");

    /** What a command is given: the TPM, and the session that authorizes its key (a password session, or HMAC). */
    record Ctx(Tpm tpm, Session session) {
        AuthHandle key(int handle) {
            return new AuthHandle(handle, Handles.handleName(handle), AUTH, session);
        }
    }

    /** One use of the command layer. The order is fixed: a seed's first byte selects its call. */
    enum Call {
        GET_RANDOM(c -> new GetRandom(16).execute(c.tpm())),
        PROPERTIES(c -> GetCapability.properties(c.tpm(), GetCapability.PT_FAMILY_INDICATOR, 64)),
        ALGORITHMS(c -> GetCapability.algorithms(c.tpm())),
        ECC_CURVES(c -> GetCapability.eccCurves(c.tpm())),
        HANDLES(c -> GetCapability.handles(c.tpm(), Handles.TRANSIENT_FIRST)),
        TPM_INFO(c -> TpmInfo.read(c.tpm())),
        STARTUP(c -> {
            Startup.ensureStarted(c.tpm());
            return null;
        }),
        READ_PUBLIC(c -> {
            ReadPublic.Result r = new ReadPublic(Handles.PERSISTENT_FIRST + 1).execute(c.tpm());
            return use(r.outPublic());
        }),
        CONTEXT_SAVE_LOAD(c -> new ContextLoad(new ContextSave(KEY).execute(c.tpm())).execute(c.tpm())),
        FLUSH(c -> {
            new FlushContext(KEY).execute(c.tpm());
            return null;
        }),
        CREATE_PRIMARY(c -> {
            CreatePrimary.Result r = new CreatePrimary(AuthHandle.owner(), Templates.srkEccH2(), null)
                    .execute(c.tpm());
            return use(r.outPublic());
        }),
        CREATE(c -> use(new Create(c.key(PARENT), Templates.eccSigningKey(Alg.ECC_NIST_P256, false), AUTH)
                .execute(c.tpm()).outPublic())),
        CREATE_SEALED(c -> use(new Create(c.key(PARENT), Templates.sealedData(false), AUTH, DIGEST)
                .execute(c.tpm()).outPublic())),
        LOAD(c -> new Load(c.key(PARENT), new byte[64], Templates.eccSigningKey(Alg.ECC_NIST_P256, false))
                .execute(c.tpm())),
        IMPORT(c -> new Import(c.key(PARENT), Templates.rsaSigningKey(2048, false), new byte[96], new byte[64])
                .execute(c.tpm())),
        SIGN_ECDSA(c -> use(new Sign(c.key(KEY), DIGEST, Alg.ECDSA, Alg.SHA256).execute(c.tpm()))),
        SIGN_RSAPSS(c -> use(new Sign(c.key(KEY), DIGEST, Alg.RSAPSS, Alg.SHA256).execute(c.tpm()))),
        UNSEAL(c -> new Unseal(c.key(KEY)).execute(c.tpm())),
        EVICT(c -> {
            new EvictControl(AuthHandle.owner(), HandleRef.of(KEY), Handles.PERSISTENT_FIRST + 1).execute(c.tpm());
            return null;
        }),
        DA_PARAMETERS(c -> {
            DictionaryAttack.relaxForOwnSimulator(c.tpm());
            return null;
        }),
        DA_RESET(c -> {
            DictionaryAttack.lockReset(c.tpm(), AuthHandle.lockout(null, c.session()));
            return null;
        }),
        SALTED_SESSION_ECC(c -> c.tpm().startHmacSession(PARENT, ECC_SALT_KEY, c.key(PARENT),
                HmacSession.DECRYPT | HmacSession.ENCRYPT)),
        SALTED_SESSION_RSA(c -> c.tpm().startHmacSession(PARENT, RSA_SALT_KEY, null, HmacSession.ENCRYPT)),
        /** The whole path of a signature and an unseal: RSA SRK (an ECC salt costs milliseconds; SALTED_SESSION_ECC has
         *  it), salted session, create, load, sign, seal, unseal. */
        KEY_RING(c -> {
            try (KeyRing ring = KeyRing.open(c.tpm(), Templates.srkRsa())) {
                TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), AUTH, "pin key");
                use(ring.sign(key, AUTH, DIGEST, Alg.ECDSA, Alg.SHA256));
                TpmObject pinless = ring.create(Templates.rsaSigningKey(2048, true), new byte[0], "pin-less key");
                use(ring.sign(pinless, new byte[0], DIGEST, Alg.RSASSA, Alg.SHA256));
                Create.Result sealed = ring.createBlob(Templates.sealedData(false), AUTH, DIGEST);
                return ring.unseal(ring.register(sealed.outPrivate(), sealed.outPublic(), "seal"), AUTH);
            }
        });

        final Action action;

        Call(Action action) {
            this.action = action;
        }

        static Call of(int selector) {
            return values()[Math.floorMod(selector, values().length)];
        }
    }

    interface Action {
        Object run(Ctx c) throws TpmException;
    }

    /** A fresh, deterministic random source per input, so nonces and salts repeat and a finding replays. */
    static SecureRandom random() {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(20261201L);
            return r;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Byte 0 selects the call; the rest is the stream of response frames the fake TPM answers with. */
    @FuzzTest
    void responses(byte[] input) {
        if (input.length == 0) {
            return;
        }
        Call call = Call.of(input[0]);
        FuzzedTpm fake = new FuzzedTpm(input, 1);
        try (Tpm tpm = fuzzedTpm(fake)) {
            call.action.run(new Ctx(tpm, Session.password()));
        } catch (TpmException expected) {
            assertThat(expected.getMessage()).as("%s", expected).isNotBlank();
        }
    }

    /**
     * Byte 0 selects the call. The session commands are authorized through an HMAC session with parameter
     * encryption both ways, which the fake TPM answers with fuzzed handles and parameters that it encrypts and
     * MACs as a TPM would (unless the fuzzed control byte says to spoil them).
     */
    @FuzzTest
    void sessionResponses(byte[] input) {
        if (input.length == 0) {
            return;
        }
        Call call = Call.of(input[0]);
        SessionFakeTpm fake = new SessionFakeTpm(new FuzzedTpm(input, 1), AUTH);
        try (Tpm tpm = fuzzedTpm(fake)) {
            HmacSession session = tpm.startHmacSession(PARENT, null, null, HmacSession.DECRYPT | HmacSession.ENCRYPT);
            call.action.run(new Ctx(tpm, session));
        } catch (TpmException expected) {
            assertThat(expected.getMessage()).as("%s", expected).isNotBlank();
        }
    }

    /**
     * A Tpm on a fake with the deterministic random source, that counts the pauses before retries instead of
     * sleeping them (a seed with TPM_RC_RETRY would otherwise cost milliseconds), and checks they are bounded.
     */
    static Tpm fuzzedTpm(org.tpmssh.tpm.transport.TpmTransport fake) {
        return new Tpm(fake, random(), attempt -> assertThat(attempt).isBetween(0, 7));
    }

    /** Uses a public area as callers do: its Name, its bytes, and for keys the JCA key. */
    static TpmtPublic use(TpmtPublic p) throws TpmException {
        assertThat(p.name()).isNotEmpty();
        assertThat(TpmtPublic.fromBytes(p.toBytes())).isEqualTo(p);
        if (p.type() == Alg.RSA || p.type() == Alg.ECC) {
            assertThat(p.toPublicKey()).isNotNull();
        }
        return p;
    }

    static Signature use(Signature s) {
        if (s.isEcdsa()) {
            assertThat(s.toDer()).isNotEmpty();
        }
        return s;
    }

    private static TpmtPublic publicArea(String algorithm) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            SecureRandom fixed = random();
            if (algorithm.equals("EC")) {
                g.initialize(new ECGenParameterSpec("secp256r1"), fixed);
                ECPublicKey k = (ECPublicKey) g.generateKeyPair().getPublic();
                return new TpmtPublic(Alg.ECC, Alg.SHA256, Templates.srkEcc().attributes(), new byte[0],
                        Templates.srkEcc().eccParms(), new TpmtPublic.EccPoint(fixed32(k.getW().getAffineX()),
                                fixed32(k.getW().getAffineY())));
            }
            g.initialize(2048, fixed);
            RSAPublicKey k = (RSAPublicKey) g.generateKeyPair().getPublic();
            byte[] n = k.getModulus().toByteArray();
            return new TpmtPublic(Alg.RSA, Alg.SHA256, Templates.srkRsa().attributes(), new byte[0],
                    Templates.srkRsa().rsaParms(), new TpmtPublic.RsaUnique(
                            java.util.Arrays.copyOfRange(n, n.length - 256, n.length)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] fixed32(java.math.BigInteger v) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(32, b.length);
        System.arraycopy(b, b.length - n, out, 32 - n, n);
        return out;
    }

    /** Calls whose responses carry handles, for the session fake that builds responses. */
    static final Set<Integer> ONE_RESPONSE_HANDLE = Set.of(CommandCode.CREATE_PRIMARY, CommandCode.LOAD,
            CommandCode.CONTEXT_LOAD, CommandCode.START_AUTH_SESSION);
}
