package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** What records show of themselves: a toString names the record and never its blobs or an authValue. */
class RecordTextTest {
    @Test
    void aKeyRecordIsNamedByIdLabelAndAlgorithmAndStampedInWholeUtcSeconds() {
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        KeyRecord k = StoreFixtures.fakeKey("laptop");
        Instant after = Instant.now();
        assertThat(k.toString()).isEqualTo("KeyRecord[" + k.id() + " laptop ecc-p256]");
        assertThat(k.toString()).doesNotContain(Base64.getEncoder().encodeToString(k.privateBlob()))
                .doesNotContain("blob-laptop");
        Instant created = Instant.parse(k.created());
        assertThat(created).isBetween(before, after).isEqualTo(created.truncatedTo(ChronoUnit.SECONDS));
    }

    @Test
    void aTokenRecordSaysWhetherItIsPinlessAndNothingOfItsSeals() {
        assertThat(StoreFixtures.pinlessToken("ci")).hasToString("TokenRecord[ci pin-less]");
        TokenRecord.Seal seal = new TokenRecord.Seal(new byte[] {1, 2}, "sealed-secret".getBytes(StandardCharsets.UTF_8));
        assertThat(new TokenRecord("work", false, ParentKind.ECC, new byte[16], seal, seal, KeyRecord.now(), null))
                .hasToString("TokenRecord[work]");
    }

    @Test
    void aNewKeysAuthValueNeverAppearsInItsText() {
        byte[] auth = Tokens.keyAuth("thirty-two bytes of token secret".getBytes(StandardCharsets.US_ASCII), "00112233aabbccdd");
        String text = new Tokens.NewKeyAuth("00112233aabbccdd", false, auth).toString();
        assertThat(text).isEqualTo("NewKeyAuth[00112233aabbccdd]");
        assertThat(text).doesNotContain(HexFormat.of().formatHex(auth))
                .doesNotContain(Base64.getEncoder().encodeToString(auth));
        assertThat(new Tokens.NewKeyAuth("00112233aabbccdd", true, new byte[0]))
                .hasToString("NewKeyAuth[00112233aabbccdd pin-less]");
    }
}
