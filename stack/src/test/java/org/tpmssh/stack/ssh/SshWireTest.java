package org.tpmssh.stack.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SshWireTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void mpintEncodingMatchesRfc4251Examples() {
        // The examples of RFC 4251 section 5.
        assertThat(mpint(BigInteger.ZERO)).isEqualTo("00000000");
        assertThat(mpint(new BigInteger("9a378f9b2e332a7", 16))).isEqualTo("0000000809a378f9b2e332a7");
        assertThat(mpint(BigInteger.valueOf(0x80))).isEqualTo("000000020080");
        assertThat(mpint(BigInteger.valueOf(-0x1234))).isEqualTo("00000002edcc");
        assertThat(mpint(BigInteger.valueOf(-0xdeadbeefL))).isEqualTo("00000005ff21524111");
    }

    @Test
    void fieldsRoundTrip() throws Exception {
        byte[] encoded = new SshWireWriter().writeByte(0xfe).writeUint32(0xffff_ffffL).writeString("ssh-rsa")
                .writeMpint(BigInteger.valueOf(0x80)).writeString(new byte[0]).toByteArray();
        SshWireReader reader = new SshWireReader(encoded);
        assertThat(reader.readByte()).isEqualTo(0xfe);
        assertThat(reader.readUint32()).isEqualTo(0xffff_ffffL);
        assertThat(reader.readUtf8()).isEqualTo("ssh-rsa");
        assertThat(reader.readMpint()).isEqualTo(BigInteger.valueOf(0x80));
        assertThat(reader.readString()).isEmpty();
        reader.requireEnd("test");
    }

    @Test
    void aKeyComponentHasOneEncodingOnly() throws Exception {
        // RFC 4251 section 5: no unnecessary leading zero; 0x80 needs its zero, 0x04 does not, and zero is empty.
        assertThat(new SshWireReader(HEX.parseHex("000000020080")).readPositiveMpint("x")).isEqualTo(0x80);
        assertThat(new SshWireReader(HEX.parseHex("00000000")).readPositiveMpint("x")).isZero();
        for (String padded : new String[] {"000000020004", "0000000100", "00000003000401"}) {
            assertThatThrownBy(() -> new SshWireReader(HEX.parseHex(padded)).readPositiveMpint("RSA exponent"))
                    .as(padded).isInstanceOf(SshWireFormatException.class)
                    .hasMessage("RSA exponent has an unnecessary leading zero byte (RFC 4251, section 5)");
        }
    }

    @Test
    void stringLengthBeyondTheDataIsRejectedBeforeAllocating() {
        byte[] hostile = HEX.parseHex("ffffffff00");
        assertThatThrownBy(() -> new SshWireReader(hostile).readString())
                .isInstanceOf(SshWireFormatException.class)
                .hasMessageContaining("claims 4294967295 bytes but only 1 remain");
    }

    @Test
    void truncatedFieldsAreRejected() {
        assertThatThrownBy(() -> new SshWireReader(HEX.parseHex("000000")).readUint32())
                .isInstanceOf(SshWireFormatException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> new SshWireReader(new byte[0]).readByte())
                .isInstanceOf(SshWireFormatException.class).hasMessageContaining("truncated");
    }

    @Test
    void readerNeverReadsPastItsWindow() throws Exception {
        byte[] data = HEX.parseHex("aa0000000162bb");
        SshWireReader reader = new SshWireReader(data, 1, 4);
        assertThatThrownBy(reader::readString).isInstanceOf(SshWireFormatException.class);
    }

    @Test
    void trailingBytesAreReported() {
        SshWireReader reader = new SshWireReader(HEX.parseHex("0102"));
        assertThatThrownBy(() -> {
            reader.readByte();
            reader.requireEnd("frame");
        }).isInstanceOf(SshWireFormatException.class).hasMessageContaining("frame has 1 unexpected trailing");
    }

    @Test
    void negativeWhereOnlyPositiveMakesSenseIsRejected() {
        byte[] negative = new SshWireWriter().writeMpint(BigInteger.valueOf(-5)).toByteArray();
        assertThatThrownBy(() -> new SshWireReader(negative).readPositiveMpint("RSA modulus"))
                .isInstanceOf(SshWireFormatException.class).hasMessageContaining("RSA modulus is negative");
    }

    private static String mpint(BigInteger value) {
        return HEX.formatHex(new SshWireWriter().writeMpint(value).toByteArray());
    }
}
