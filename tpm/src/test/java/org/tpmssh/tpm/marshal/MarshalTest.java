package org.tpmssh.tpm.marshal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The big-endian writer and the bounded reader, byte by byte: what each field looks like and where reading stops. */
class MarshalTest {

    @Test
    void theWriterIsBigEndianAndGrows() {
        TpmWriter w = new TpmWriter(1);
        w.u8(0x1FF).u16(0xABCD).u32(0x01020304).u64(0x0A0B0C0D0E0F1011L).bytes(new byte[] {9, 8}, 1, 1)
                .tpm2b(new byte[] {7, 6}).tpm2b(null);
        assertThat(w.toByteArray()).containsExactly(0xFF, 0xAB, 0xCD, 1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
                0x0F, 0x10, 0x11, 8, 0, 2, 7, 6, 0, 0);
        assertThat(w.length()).isEqualTo(22);
    }

    @Test
    void aSizedBodyGetsItsLengthAndPatchesWriteInPlace() {
        TpmWriter w = new TpmWriter(2).u32(0).sized(body -> body.u32(0xCAFEBABE).u8(1));
        w.patchU32(0, 0x11223344);
        assertThat(w.toByteArray()).containsExactly(0x11, 0x22, 0x33, 0x44, 0, 5, 0xCA, 0xFE, 0xBA, 0xBE, 1);
        TpmWriter big = new TpmWriter(1).sized(body -> body.bytes(new byte[300]));
        assertThat(big.toByteArray()).startsWith(1, 44).hasSize(302);
        assertThat(new TpmWriter().put(x -> x.u16(0x0102)).toByteArray()).containsExactly(1, 2);
    }

    @Test
    void aTpm2bOver65535BytesIsRefusedAndWipeClears() {
        assertThatThrownBy(() -> new TpmWriter().tpm2b(new byte[0x10000])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TPM2B too large: 65536 bytes");
        assertThat(new TpmWriter().tpm2b(new byte[0xFFFF]).length()).isEqualTo(0x10001);
        TpmWriter w = new TpmWriter(4).u32(-1);
        w.wipe();
        assertThat(w.length()).isZero();
        assertThat(w.u8(5).toByteArray()).containsExactly(5);
    }

    @Test
    void theReaderReadsWhatTheWriterWrote() throws Exception {
        byte[] buf = new TpmWriter().u8(0xF0).u16(0xFFFE).u32(0xFFFFFFFD).u64(-2L).tpm2b(new byte[] {1, 2, 3})
                .sized(b -> b.u16(7)).bytes(new byte[] {4, 5}).toByteArray();
        TpmReader r = new TpmReader(buf);
        assertThat(r.u8()).isEqualTo(0xF0);
        assertThat(r.u16()).isEqualTo(0xFFFE);
        assertThat(r.u32()).isEqualTo(0xFFFFFFFD);
        assertThat(r.u64()).isEqualTo(-2L);
        assertThat(r.position()).isEqualTo(15);
        assertThat(r.tpm2b()).containsExactly(1, 2, 3);
        TpmReader sized = r.sized();
        assertThat(sized.remaining()).isEqualTo(2);
        assertThat(sized.u16()).isEqualTo(7);
        sized.expectEnd("the sized body");
        TpmReader sub = r.sub(2);
        assertThat(sub.bytes(2)).containsExactly(4, 5);
        assertThat(r.remaining()).isZero();
        r.expectEnd("the buffer");
    }

    @Test
    void aWindowReadsOnlyItsOwnBytes() throws Exception {
        TpmReader r = new TpmReader(new byte[] {1, 2, 3, 4, 5}, 1, 3);
        assertThat(r.position()).isEqualTo(1);
        assertThat(r.u16()).isEqualTo(0x0203);
        assertThat(r.remaining()).isEqualTo(1);
        assertThatThrownBy(r::u16).isInstanceOf(TpmFormatException.class)
                .hasMessage("the TPM response is malformed: a UINT16 needs 2 bytes but only 1 remain");
        assertThat(r.u8()).isEqualTo(4);
        assertThatThrownBy(() -> new TpmReader(new byte[4], 2, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TpmReader(new byte[4], -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TpmReader(new byte[4], 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new TpmReader(new byte[4], 4, 0).remaining()).isZero();
    }

    @Test
    void shortOrLyingInputIsAFormatErrorNamingWhatWasCut() {
        assertThatThrownBy(() -> new TpmReader(new byte[0]).u8()).isInstanceOf(TpmFormatException.class)
                .hasMessage("the TPM response is malformed: a byte needs 1 bytes but only 0 remain");
        assertThatThrownBy(() -> new TpmReader(new byte[3]).u32()).isInstanceOf(TpmFormatException.class)
                .hasMessageContaining("a UINT32 needs 4 bytes but only 3 remain");
        assertThatThrownBy(() -> new TpmReader(new byte[] {0, 5, 1}).tpm2b()).isInstanceOf(TpmFormatException.class)
                .hasMessageContaining("a byte string needs 5 bytes but only 1 remain");
        assertThatThrownBy(() -> new TpmReader(new byte[] {0, 3, 1}).sized()).isInstanceOf(TpmFormatException.class)
                .hasMessageContaining("a sized structure needs 3 bytes but only 1 remain");
        assertThatThrownBy(() -> new TpmReader(new byte[2]).sub(3)).isInstanceOf(TpmFormatException.class)
                .hasMessageContaining("a parameter area needs 3 bytes but only 2 remain");
        assertThatThrownBy(() -> new TpmReader(new byte[2]).bytes(-1)).isInstanceOf(TpmFormatException.class);
        assertThatThrownBy(() -> new TpmReader(new byte[2]).expectEnd("the header"))
                .isInstanceOf(TpmFormatException.class)
                .hasMessage("the TPM response is malformed: 2 unexpected bytes after the header");
    }

    @Test
    void leftoverBytesAreCountedFromWhereReadingStopped() throws Exception {
        TpmReader r = new TpmReader(new byte[] {1, 2, 3, 4});
        r.u8();
        assertThatThrownBy(() -> r.expectEnd("the handle")).isInstanceOf(TpmFormatException.class)
                .hasMessage("the TPM response is malformed: 3 unexpected bytes after the handle");
    }

    @Test
    void exactlyEnoughIsEnough() throws Exception {
        assertThat(new TpmReader(new byte[] {1, 2, 3, 4}).u32()).isEqualTo(0x01020304);
        assertThat(new TpmReader(new byte[] {0, 1, 9}).tpm2b()).containsExactly(9);
        TpmReader r = new TpmReader(new byte[] {0, 0});
        assertThat(r.tpm2b()).isEmpty();
        r.expectEnd("an empty TPM2B");
    }
}
