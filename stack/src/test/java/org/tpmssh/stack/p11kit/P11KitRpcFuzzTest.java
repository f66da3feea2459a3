package org.tpmssh.stack.p11kit;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pkcs11.Pkcs11Exception;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.sessions.Session;

/**
 * Fuzz target for the p11-kit RPC server: one client connection's whole byte stream (the version byte, then
 * frames cut as {@link P11KitServer} cuts them) through a fresh {@link Application} and the dispatcher without its
 * safety net ({@link RpcDispatcher#dispatch}: anything but {@link RpcFormatException} or {@link Pkcs11Exception} is
 * a finding). The tokens are real, on a real swtpm ({@link P11KitFixture}: "free", and "pinned" with PIN 2468),
 * whose lockout is raised so that wrong PINs cannot lock it; a fuzzed C_SetPIN or C_InitPIN that changes a PIN is
 * undone after each input. Seeds are connections of the real p11-kit-client.so (recorded by {@link P11KitSeeds}).
 */
class P11KitRpcFuzzTest {
    /** Kept, so java.util.logging does not forget the level: a fuzzed server logs every refusal. */
    private static final Logger QUIET = Logger.getLogger(P11KitServer.class.getName());
    private static final RpcDispatcher DISPATCHER = new RpcDispatcher();
    private static Path dir;
    private static P11KitFixture fixture;
    private static ServedTokens served;
    private static Map<Path, byte[]> storeFiles;

    @BeforeAll
    static void start() throws Exception {
        QUIET.setLevel(Level.OFF);
        dir = Files.createTempDirectory("p11kit-fuzz");
        fixture = P11KitFixture.start(dir, List.of(KeyType.ECC_P256, KeyType.RSA_2048), tpm ->
                DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, Session.password()), Integer.MAX_VALUE, 1, 1));
        served = new ServedTokens(fixture.tokens, ParentKind.ECC, Set.of(), new PlaceholderCertificates());
        storeFiles = snapshot();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @FuzzTest
    void connection(byte[] stream) throws Exception {
        try (Application app = new Application(served)) {
            ByteBuffer in = ByteBuffer.wrap(stream);
            if (!in.hasRemaining()) {
                return;
            }
            in.get(); // the client's protocol version; the server answers 0 whatever it is
            while (in.remaining() >= P11KitServer.HEADER_BYTES) {
                long code = in.getInt() & 0xffff_ffffL;
                long optionsLength = in.getInt() & 0xffff_ffffL;
                long length = in.getInt() & 0xffff_ffffL;
                if (code == 0 || optionsLength > P11KitServer.MAX_OPTIONS_BYTES
                        || length > P11KitServer.MAX_REQUEST_BYTES) {
                    break; // the server hangs up on a bad header
                }
                if (in.remaining() < optionsLength + length) {
                    break; // the client hung up mid-message
                }
                in.position(in.position() + (int) optionsLength);
                byte[] request = new byte[(int) length];
                in.get(request);
                try {
                    checkResponse(request, DISPATCHER.dispatch(app, request));
                } catch (RpcFormatException | Pkcs11Exception expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        } finally {
            restoreStore();
        }
    }

    /** A response is the call's own: its id and its response signature first. */
    private static void checkResponse(byte[] request, byte[] response) {
        ByteBuffer r = ByteBuffer.wrap(response);
        RpcCall call = RpcCall.of(ByteBuffer.wrap(request).getInt(0) & 0xffff_ffffL).orElseThrow();
        assertThat(r.getInt() & 0xffff_ffffL).as("call id").isEqualTo(call.id());
        byte[] signature = new byte[r.getInt()];
        r.get(signature);
        assertThat(new String(signature, StandardCharsets.US_ASCII)).isEqualTo(call.response());
    }

    private static Map<Path, byte[]> snapshot() throws Exception {
        Map<Path, byte[]> files = new HashMap<>();
        try (Stream<Path> walk = Files.walk(dir.resolve("store"))) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(p, Files.readAllBytes(p));
            }
        }
        return files;
    }

    /** Puts back a token.json that a fuzzed PIN change rewrote, so every input meets the same tokens. */
    private static void restoreStore() throws Exception {
        for (Map.Entry<Path, byte[]> e : storeFiles.entrySet()) {
            if (e.getKey().getFileName().toString().equals("token.json")
                    && !java.util.Arrays.equals(Files.readAllBytes(e.getKey()), e.getValue())) {
                Files.write(e.getKey(), e.getValue());
            }
        }
    }
}
