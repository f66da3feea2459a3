package org.tpmssh.harness.latency;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/**
 * Times agent sign-request round trips as a client sees them, each signature checked by JCA; written by hand because
 * no OpenSSH command sends one bare sign request.
 */
public final class AgentRoundTrip {
    private static final int SSH_AGENTC_SIGN_REQUEST = 13;
    private static final int SSH_AGENT_SIGN_RESPONSE = 14;

    private AgentRoundTrip() {
    }

    /**
     * Sends {@code count} sign requests for {@code blob} over one connection, recording each round trip under
     * {@code combination}, and returns how many signatures JCA verified with the key in {@code blob}.
     */
    public static int measure(Path socket, byte[] blob, int flags, int count, String combination) throws Exception {
        PublicKey publicKey = SshPublicKeys.parse(blob);
        int verified = 0;
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            for (int i = 0; i < count; i++) {
                byte[] data = ("agent round trip " + i + " " + System.nanoTime()).getBytes();
                byte[] body = new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST).writeString(blob)
                        .writeString(data).writeUint32(flags).toByteArray();
                long start = System.nanoTime();
                channel.write(ByteBuffer.wrap(new SshWireWriter().writeString(body).toByteArray()));
                byte[] reply = readFrame(channel);
                long nanos = System.nanoTime() - start;
                if (reply.length == 0 || reply[0] != SSH_AGENT_SIGN_RESPONSE) {
                    throw new IOException("the agent refused sign request " + (i + 1) + " (message type "
                            + (reply.length == 0 ? "none" : reply[0]) + ")");
                }
                LatencySink.current().record(combination, LatencySink.Operation.AGENT_SIGN_ROUND_TRIP, nanos);
                SshWireReader r = new SshWireReader(java.util.Arrays.copyOfRange(reply, 1, reply.length));
                if (verifies(publicKey, r.readString(), data)) {
                    verified++;
                }
            }
        }
        return verified;
    }

    private static boolean verifies(PublicKey key, byte[] sshSignature, byte[] data) throws Exception {
        SshSignatures.Parsed parsed;
        try {
            parsed = SshSignatures.parse(sshSignature);
        } catch (org.tpmssh.stack.ssh.SshWireFormatException e) {
            return false; // a malformed signature verifies nothing
        }
        String alg = parsed.algorithm();
        java.security.Signature v;
        byte[] signature;
        if (key instanceof ECPublicKey ec) {
            SshCurve curve = SshCurve.of(ec.getParams()).orElseThrow(() -> new IOException("unknown curve"));
            v = java.security.Signature.getInstance(curve.jcaSignatureAlgorithm());
            signature = SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(curve, sshSignature));
        } else {
            v = java.security.Signature.getInstance(alg.equals(SshSignatures.RSA_SHA2_512) ? "SHA512withRSA"
                    : alg.equals(SshSignatures.RSA_SHA2_256) ? "SHA256withRSA" : "SHA1withRSA");
            signature = parsed.signature();
        }
        v.initVerify(key);
        v.update(data);
        return v.verify(signature);
    }

    private static byte[] readFrame(SocketChannel channel) throws IOException {
        ByteBuffer length = read(channel, 4);
        int n = length.getInt(0);
        if (n < 0 || n > 256 * 1024) {
            throw new IOException("the agent sent a frame of " + n + " bytes");
        }
        return read(channel, n).array();
    }

    private static ByteBuffer read(SocketChannel channel, int count) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(count);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new IOException("the agent closed the connection mid-reply");
            }
        }
        return b;
    }
}
