package org.tpmssh.stack.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/** The TSS2 PRIVATE KEY codec on hand-built DER (no TPM): the draft's encoding rules and its leniency. */
class Tss2KeyFileTest {
    static final TpmtPublic PUB = Templates.eccSigningKey(Alg.ECC_NIST_P256, true);
    static final byte[] PRIV = {1, 2, 3, 4, 5};

    @TempDir
    Path dir;

    @Test
    void aPersistentParentIsAPositiveIntegerAndTheFileRoundTrips() throws Exception {
        Tss2KeyFile f = Tss2KeyFile.loadable(0x81000001, false, PUB, PRIV, true);
        ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(f.toDer()));
        BigInteger parent = ASN1Integer.getInstance(seq.getObjectAt(2)).getValue();
        assertThat(parent).isEqualTo(BigInteger.valueOf(0x81000001L)).isPositive();
        Path p = dir.resolve("k.pem");
        f.write(p);
        Tss2KeyFile back = Tss2KeyFile.read(p);
        assertThat(back).isEqualTo(f);
        assertThat(back.parent()).isEqualTo(0x81000001);
        assertThat(back.privkey()).isEqualTo(PRIV);
        assertThat(back.pubkey()).isEqualTo(PUB);
        assertThat(Files.list(dir)).containsExactly(p); // no temporary file left behind
    }

    @Test
    void unknownTagsAreSkippedAndPoliciesNoted() throws Exception {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1ObjectIdentifier(Tss2KeyFile.LOADABLE));
        v.add(new DERTaggedObject(true, 0, ASN1Boolean.TRUE));
        v.add(new DERTaggedObject(true, 1, new DERSequence()));            // policy: skipped, remembered
        v.add(new DERTaggedObject(true, 4, new DERUTF8String("a key")));
        v.add(new DERTaggedObject(true, 9, new DEROctetString(new byte[3]))); // from a later revision
        v.add(new ASN1Integer(0x40000001L));
        v.add(new DEROctetString(new TpmWriter().sized(PUB).toByteArray()));
        v.add(new DEROctetString(new TpmWriter().tpm2b(PRIV).toByteArray()));
        Tss2KeyFile f = Tss2KeyFile.parseDer(new DERSequence(v).getEncoded(), "test");
        assertThat(f.emptyAuth()).isTrue();
        assertThat(f.hasPolicy()).isTrue();
        assertThat(f.description()).isEqualTo("a key");
        assertThat(f.parent()).isEqualTo(0x40000001);
        assertThat(f.privkey()).isEqualTo(PRIV);
    }

    @Test
    void aNegativeParentFromOldEnginesIsReadAsItsHandle() throws Exception {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1ObjectIdentifier(Tss2KeyFile.LOADABLE));
        v.add(new ASN1Integer((long) (int) 0x81000001)); // negative as a signed 32-bit value
        v.add(new DEROctetString(new TpmWriter().sized(PUB).toByteArray()));
        v.add(new DEROctetString(new TpmWriter().tpm2b(PRIV).toByteArray()));
        assertThat(Tss2KeyFile.parseDer(new DERSequence(v).getEncoded(), "old").parent()).isEqualTo(0x81000001);
    }

    @Test
    void brokenFilesGetOneSentence() throws Exception {
        Path p = dir.resolve("k.pem");
        Files.writeString(p, "-----BEGIN TSS2 PRIVATE KEY-----\nMAMCAQE=\n-----END TSS2 PRIVATE KEY-----\n");
        assertThatThrownBy(() -> Tss2KeyFile.read(p)).isInstanceOf(KeyFileException.class)
                .hasMessage(p + " is not a well-formed TSS2 PRIVATE KEY file");
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1ObjectIdentifier(Tss2KeyFile.IMPORTABLE));
        v.add(new ASN1Integer(0x40000001L));
        v.add(new DEROctetString(new TpmWriter().sized(PUB).toByteArray()));
        v.add(new DEROctetString(new TpmWriter().tpm2b(PRIV).toByteArray()));
        assertThatThrownBy(() -> Tss2KeyFile.parseDer(new DERSequence(v).getEncoded(), "imp"))
                .hasMessageContaining("without its secret");
    }
}
