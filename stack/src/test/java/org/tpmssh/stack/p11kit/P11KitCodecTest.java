package org.tpmssh.stack.p11kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.pkcs11.Ck;

/**
 * The codec against bytes recorded from the real p11-kit 0.24.1 (no TPM): our reader decodes what
 * p11-kit-client.so sent, and our writer produces, byte for byte, what p11-kit's own server answered.
 */
class P11KitCodecTest {
    static RecordedMessages recorded;

    @BeforeAll
    static void load() throws Exception {
        recorded = RecordedMessages.load();
    }

    @Test
    void theClientsInitializeCarriesTheHandshake() throws Exception {
        RpcReader in = RpcReader.request(recorded.get("request.C_Initialize"));
        assertThat(in.call()).isEqualTo(RpcCall.C_Initialize);
        assertThat(in.readByteArray()).isEqualTo(SlotCalls.HANDSHAKE);
        assertThat(in.readByte()).isZero();
        assertThat(in.readByteArray()).containsExactly(0); // "" with its NUL
        in.end();
    }

    @Test
    void aTemplateWithAClassAndAnIdDecodes() throws Exception {
        RpcReader in = RpcReader.request(recorded.get("request.C_FindObjectsInit.privateKeyById"));
        assertThat(in.readUlong()).isEqualTo(1);
        List<Attribute> t = in.readAttributeArray();
        in.end();
        assertThat(t).hasSize(2);
        assertThat(t.get(0).type()).isEqualTo(Ck.CKA_CLASS);
        assertThat(t.get(0).value()).isEqualTo(Ck.CKO_PRIVATE_KEY);
        assertThat(t.get(1).type()).isEqualTo(Ck.CKA_ID);
        assertThat((byte[]) t.get(1).value()).isEqualTo(HexFormat.of().parseHex("760be55b7b38b4e1"));
    }

    @Test
    void sshKeygenAsksForLengthsFirstThenValues() throws Exception {
        RpcReader sizes = RpcReader.request(recorded.get("request.C_GetAttributeValue.sizes"));
        sizes.readUlong();
        sizes.readUlong();
        assertThat(sizes.readAttributeBuffer()).containsExactly(new AttributeQuery(Ck.CKA_ID, 0),
                new AttributeQuery(Ck.CKA_EC_POINT, 0), new AttributeQuery(Ck.CKA_EC_PARAMS, 0));
        sizes.end();
        RpcReader values = RpcReader.request(recorded.get("request.C_GetAttributeValue.values"));
        values.readUlong();
        values.readUlong();
        assertThat(values.readAttributeBuffer()).containsExactly(new AttributeQuery(Ck.CKA_ID, 8),
                new AttributeQuery(Ck.CKA_EC_POINT, 99), new AttributeQuery(Ck.CKA_EC_PARAMS, 7));
        values.end();
    }

    @Test
    void pssParametersTravelAsThreeUlongs() throws Exception {
        RpcReader in = RpcReader.request(recorded.get("request.C_SignInit.pss"));
        in.readUlong();
        RpcMechanism m = in.readMechanism();
        assertThat(in.readUlong()).isEqualTo(1); // the key handle
        in.end();
        assertThat(m).isEqualTo(RpcMechanism.pss(Ck.CKM_SHA256, Ck.CKG_MGF1_SHA256, 32));
    }

    @Test
    void loginAndSignCarryTheirBytes() throws Exception {
        RpcReader login = RpcReader.request(recorded.get("request.C_Login.pin1234"));
        login.readUlong();
        assertThat(login.readUlong()).isEqualTo(Ck.CKU_USER);
        assertThat(login.readByteArray()).isEqualTo("1234".getBytes(StandardCharsets.US_ASCII));
        login.end();
        RpcReader sign = RpcReader.request(recorded.get("request.C_Sign"));
        sign.readUlong();
        assertThat(sign.readByteArray()).hasSize(32);
        assertThat(sign.readByteBuffer()).isEqualTo(512);
        sign.end();
    }

    @Test
    void ourRepliesMatchTheReferenceServersBytes() {
        byte[] label = "ACCVRAIZ1".getBytes(StandardCharsets.US_ASCII);
        assertThat(RpcWriter.response(RpcCall.C_GetAttributeValue)
                .attributes(List.of(AttributeAnswer.of(Ck.CKA_LABEL, label, 0)), 1).ulong(0).toBytes())
                .isEqualTo(recorded.get("reference.C_GetAttributeValue.labelSize"));
        assertThat(RpcWriter.response(RpcCall.C_GetAttributeValue)
                .attributes(List.of(AttributeAnswer.of(Ck.CKA_LABEL, label, 9)), 1).ulong(0).toBytes())
                .isEqualTo(recorded.get("reference.C_GetAttributeValue.labelValue"));
        assertThat(RpcWriter.response(RpcCall.C_FindObjects).ulongArray(new long[] {0x15}).toBytes())
                .isEqualTo(recorded.get("reference.C_FindObjects"));
        long na = SlotCalls.UNAVAILABLE;
        byte[] ours = RpcWriter.response(RpcCall.C_GetTokenInfo).spaceString("System Trust", 32)
                .spaceString("PKCS#11 Kit", 32).spaceString("p11-kit-trust", 16).spaceString("1", 16).ulong(0x402)
                .ulong(0).ulong(na).ulong(0).ulong(na).ulong(0).ulong(0).ulong(na).ulong(na).ulong(na).ulong(na)
                .version(0, 24).version(0, 0).spaceString("", 16).toBytes();
        byte[] theirs = recorded.get("reference.C_GetTokenInfo");
        // p11-kit-trust leaves utcTime as 16 NULs where we write 16 spaces; the framing is the same.
        assertThat(ours).hasSameSizeAs(theirs);
        assertThat(java.util.Arrays.copyOf(ours, ours.length - 16))
                .isEqualTo(java.util.Arrays.copyOf(theirs, theirs.length - 16));
    }

    @Test
    void everyLengthIsBoundedByTheBytesThatFollow() {
        byte[] hugeArray = new P11KitTestClient.Request(RpcCall.C_Login.id(), "uuay").u64(1).u64(1).u8(1)
                .u32(0x7fff_fff0L).toBytes();
        assertThatThrownBy(() -> {
            RpcReader in = RpcReader.request(hugeArray);
            in.readUlong();
            in.readUlong();
            in.readByteArray();
        }).isInstanceOf(RpcFormatException.class).hasMessageContaining("claims 2147483632 bytes");
        byte[] hugeCount = new P11KitTestClient.Request(RpcCall.C_FindObjectsInit.id(), "uaA").u64(1)
                .u32(0xffff_fffeL).toBytes();
        assertThatThrownBy(() -> {
            RpcReader in = RpcReader.request(hugeCount);
            in.readUlong();
            in.readAttributeArray();
        }).isInstanceOf(RpcFormatException.class).hasMessageContaining("claims 4294967294 elements");
    }

    @Test
    void theCallTableHasP11KitsNumbering() {
        assertThat(RpcCall.values()).hasSize(66);
        assertThat(RpcCall.C_SignInit.id()).isEqualTo(42);
        assertThat(RpcCall.C_WaitForSlotEvent.id()).isEqualTo(65);
        assertThat(RpcCall.C_GetAttributeValue.request()).isEqualTo("uufA");
        assertThat(RpcCall.of(66)).isEmpty();
    }
}
