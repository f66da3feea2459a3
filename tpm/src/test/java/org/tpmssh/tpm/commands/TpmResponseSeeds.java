package org.tpmssh.tpm.commands;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmInfo;
import org.tpmssh.tpm.TpmTransportException;
import org.tpmssh.tpm.duplication.Duplication;
import org.tpmssh.tpm.duplication.Sensitive;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.sessions.HmacSession;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.ObjectAttributes;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.testing.SimulatorTpm.Recorder;
import org.tpmssh.tpm.transport.FuzzedTpm;
import org.tpmssh.tpm.transport.Tcti;

/**
 * Writes the seed inputs of {@link TpmResponseFuzzTest} from a real swtpm: it records every response of a session
 * that uses each command (with password and HMAC sessions), then builds each call's seed from those responses in
 * the order the call asks for them. The KEY_RING seed is that call's own recording, which replays with its HMACs
 * intact. Run by hand (docs/fuzzing.md):
 * {@code java -cp … org.tpmssh.tpm.commands.TpmResponseSeeds tpm/src/test/resources/org/tpmssh/tpm/commands}.
 */
public final class TpmResponseSeeds {
    private static final int MAX_ROUNDS = 64;

    private final Map<Long, List<byte[]>> byCommand = new HashMap<>();
    private final Map<Long, Integer> next = new HashMap<>();

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).resolve("TpmResponseFuzzTestInputs");
        TpmResponseSeeds seeds = new TpmResponseSeeds();
        seeds.record();
        byte[] keyRing = recordKeyRing();
        for (TpmResponseFuzzTest.Call call : TpmResponseFuzzTest.Call.values()) {
            String name = "swtpm-" + call.name().toLowerCase(Locale.ROOT).replace('_', '-');
            byte[] plain = call == TpmResponseFuzzTest.Call.KEY_RING ? keyRing : seeds.build(call, false);
            byte[] session = seeds.build(call, true);
            write(dir.resolve("responses").resolve(name), call, plain);
            write(dir.resolve("sessionResponses").resolve(name), call, session);
        }
    }

    private static void write(Path file, TpmResponseFuzzTest.Call call, byte[] stream) throws Exception {
        Files.createDirectories(file.getParent());
        byte[] seed = new byte[stream.length + 1];
        seed[0] = (byte) call.ordinal();
        System.arraycopy(stream, 0, seed, 1, stream.length);
        Files.write(file, seed);
        System.out.println(file + ": " + seed.length + " bytes");
    }

    /** A session on a real swtpm that sends every command the calls send, keeping each response by command code. */
    private void record() throws Exception {
        try (Swtpm sw = Swtpm.start()) {
            Recorder rec = new Recorder(Tcti.parse(sw.tcti()).open());
            rec.startRecording();
            try (Tpm tpm = new Tpm(rec)) {
                Startup.ensureStarted(tpm);
                DictionaryAttack.relaxForOwnSimulator(tpm);
                DictionaryAttack.lockReset(tpm, AuthHandle.lockout(null, Session.password()));
                TpmInfo.read(tpm);
                GetCapability.handles(tpm, Handles.TRANSIENT_FIRST);
                new GetRandom(16).execute(tpm);
                CreatePrimary.Result rsaSrk = new CreatePrimary(AuthHandle.owner(), Templates.srkRsa(), null)
                        .execute(tpm);
                HmacSession s = tpm.startHmacSession(rsaSrk.handle(), rsaSrk.outPublic(), null, HmacSession.ENCRYPT);
                tpm.flushSession(s);
                new FlushContext(rsaSrk.handle()).execute(tpm);
                try (KeyRing ring = KeyRing.open(tpm)) {
                    TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false),
                            TpmResponseFuzzTest.AUTH, "ecc");
                    ring.sign(key, TpmResponseFuzzTest.AUTH, TpmResponseFuzzTest.DIGEST, Alg.ECDSA, Alg.SHA256);
                    TpmObject rsa = ring.create(Templates.rsaSigningKey(2048, true), new byte[0], "rsa");
                    ring.sign(rsa, new byte[0], TpmResponseFuzzTest.DIGEST, Alg.RSAPSS, Alg.SHA256);
                    Create.Result sealed = ring.createBlob(Templates.sealedData(false), TpmResponseFuzzTest.AUTH,
                            TpmResponseFuzzTest.DIGEST);
                    ring.unseal(ring.register(sealed.outPrivate(), sealed.outPublic(), "seal"),
                            TpmResponseFuzzTest.AUTH);
                    importOne(ring);
                    ring.cache().use(ring.srk(), h -> {
                        new ReadPublic(h).execute(tpm);
                        SavedContext saved = new ContextSave(h).execute(tpm);
                        int loaded = new ContextLoad(saved).execute(tpm);
                        new FlushContext(loaded).execute(tpm);
                        new EvictControl(AuthHandle.owner(), HandleRef.of(h), Handles.PERSISTENT_FIRST + 1)
                                .execute(tpm);
                        new ReadPublic(Handles.PERSISTENT_FIRST + 1).execute(tpm);
                        new EvictControl(AuthHandle.owner(), HandleRef.of(Handles.PERSISTENT_FIRST + 1),
                                Handles.PERSISTENT_FIRST + 1).execute(tpm);
                        return null;
                    });
                }
            }
            List<byte[]> sent = rec.sent();
            List<byte[]> received = rec.received();
            // A seed follows the path of success where there is one; the fuzzer finds the error codes.
            Map<Long, List<byte[]>> failures = new HashMap<>();
            for (int i = 0; i < sent.size(); i++) {
                boolean ok = ByteBuffer.wrap(received.get(i)).getInt(6) == 0;
                (ok ? byCommand : failures).computeIfAbsent(question(sent.get(i)),
                        k -> new ArrayList<>()).add(received.get(i));
            }
            failures.forEach(byCommand::putIfAbsent);
        }
    }

    /** A real TPM2_Import: an EC key wrapped to the SRK on the host, as `tpmssh key import` does. */
    private static void importOne(KeyRing ring) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        var pair = g.generateKeyPair();
        ECPublicKey pub = (ECPublicKey) pair.getPublic();
        TpmtPublic area = new TpmtPublic(Alg.ECC, Alg.SHA256,
                ObjectAttributes.SIGN_ENCRYPT | ObjectAttributes.USER_WITH_AUTH, new byte[0],
                new TpmtPublic.EccParms(TpmtPublic.SymDef.NULL, TpmtPublic.Scheme.NULL, Alg.ECC_NIST_P256,
                        TpmtPublic.Scheme.NULL),
                new TpmtPublic.EccPoint(unsigned(pub.getW().getAffineX()), unsigned(pub.getW().getAffineY())));
        Sensitive sensitive = Sensitive.ecc(new byte[0], new byte[32],
                unsigned(((ECPrivateKey) pair.getPrivate()).getS()));
        Duplication dup = Duplication.wrap(ring.srk().publicArea(), area, sensitive, ring.tpm().random());
        HmacSession s = ring.session();
        ring.cache().use(ring.srk(), h -> new Import(new AuthHandle(h, ring.srk().name(), null, s), area,
                dup.duplicate(), dup.inSymSeed()).execute(ring.tpm()));
    }

    private static byte[] unsigned(java.math.BigInteger v) {
        return org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, v);
    }

    /** The KEY_RING call on a real swtpm, with the fuzz target's random source: its responses replay exactly. */
    private static byte[] recordKeyRing() throws Exception {
        try (Swtpm sw = Swtpm.start()) {
            Recorder rec = new Recorder(Tcti.parse(sw.tcti()).open());
            rec.startRecording();
            try (Tpm tpm = new Tpm(rec, TpmResponseFuzzTest.random())) {
                TpmResponseFuzzTest.Call.KEY_RING.action.run(new TpmResponseFuzzTest.Ctx(tpm, Session.password()));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] r : rec.received()) {
                out.write(r);
            }
            return out.toByteArray();
        }
    }

    /**
     * Runs {@code call} against the fake on a growing stream: each time the fake runs out, the recorded response
     * to the command it was asked is appended (for the session fake, its handles and parameters as a record).
     */
    private byte[] build(TpmResponseFuzzTest.Call call, boolean session) throws Exception {
        next.clear();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Spy spy = new Spy(stream.toByteArray(), session);
            try (Tpm tpm = TpmResponseFuzzTest.fuzzedTpm(spy)) {
                Session s = session ? tpm.startHmacSession(TpmResponseFuzzTest.PARENT, null, null,
                        HmacSession.DECRYPT | HmacSession.ENCRYPT) : Session.password();
                call.action.run(new TpmResponseFuzzTest.Ctx(tpm, s));
                return stream.toByteArray();
            } catch (TpmTransportException e) {
                if (spy.starved == null) {
                    return stream.toByteArray();
                }
                byte[] response = recorded(question(spy.starved));
                if (response == null) {
                    return stream.toByteArray();
                }
                stream.write(spy.starvedInSession ? record(spy.starved, response) : response);
            } catch (TpmException | RuntimeException e) {
                return stream.toByteArray();
            }
        }
        return stream.toByteArray();
    }

    /** What a command asks: its command code, and for TPM2_GetCapability which capability. */
    private static long question(byte[] command) {
        ByteBuffer c = ByteBuffer.wrap(command);
        int cc = c.getInt(6);
        return cc == CommandCode.GET_CAPABILITY ? ((long) cc << 32) | c.getInt(10) : cc;
    }

    private byte[] recorded(long cc) {
        List<byte[]> all = byCommand.get(cc);
        if (all == null) {
            return null;
        }
        int i = next.merge(cc, 1, Integer::sum) - 1;
        return all.get(i % all.size());
    }

    /** A session fake's record for a recorded response: ctrl 0, then its handles and parameters. */
    private static byte[] record(byte[] command, byte[] response) {
        ByteBuffer r = ByteBuffer.wrap(response);
        int cc = ByteBuffer.wrap(command).getInt(6);
        int handles = TpmResponseFuzzTest.ONE_RESPONSE_HANDLE.contains(cc) ? 4 : 0;
        boolean sessions = (r.getShort(0) & 0xffff) == Tpm.ST_SESSIONS;
        int paramSize = sessions && response.length >= 14 + handles ? r.getInt(10 + handles)
                : response.length - 10 - handles;
        int from = sessions ? 14 + handles : 10 + handles;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        int length = handles + Math.max(0, paramSize);
        out.write(length >>> 8);
        out.write(length);
        out.write(response, 10, handles);
        out.write(response, from, Math.max(0, paramSize));
        return out.toByteArray();
    }

    /** The fake of the target, remembering the command it had no answer for. */
    private static final class Spy implements org.tpmssh.tpm.transport.TpmTransport {
        private final org.tpmssh.tpm.transport.TpmTransport fake;
        private final FuzzedTpm stream;
        byte[] starved;
        boolean starvedInSession;

        Spy(byte[] bytes, boolean session) {
            stream = new FuzzedTpm(bytes, 0);
            fake = session ? new SessionFakeTpm(stream, TpmResponseFuzzTest.AUTH) : stream;
        }

        @Override
        public byte[] transmit(byte[] command) throws org.tpmssh.tpm.transport.TransportException {
            boolean exhausted = stream.exhausted();
            try {
                return fake.transmit(command);
            } catch (org.tpmssh.tpm.transport.TransportException e) {
                if (exhausted && starved == null) {
                    starved = command.clone();
                    starvedInSession = fake instanceof SessionFakeTpm && SessionFakeTpm.usesSession(command);
                }
                throw e;
            }
        }

        @Override
        public void close() {
        }
    }
}
