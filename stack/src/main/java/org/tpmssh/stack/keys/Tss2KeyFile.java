package org.tpmssh.stack.keys;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;
import org.tpmssh.stack.keys.KeyFileException.Reason;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * A TSS2 PRIVATE KEY file (draft-bottomley-tpm2-keys), read and written with BouncyCastle's ASN.1 classes;
 * docs/key-import.md gives its fields.
 */
public record Tss2KeyFile(String type, boolean emptyAuth, boolean hasPolicy, byte[] secret, String description,
        boolean rsaParent, int parent, TpmtPublic pubkey, byte[] privkey) {

    public static final String LOADABLE = "2.23.133.10.1.3";
    public static final String IMPORTABLE = "2.23.133.10.1.4";
    public static final String SEALED = "2.23.133.10.1.5";
    static final String PEM_TYPE = "TSS2 PRIVATE KEY";

    /** A loadable key (.3) from a private blob and public area under {@code parent}. */
    public static Tss2KeyFile loadable(int parent, boolean rsaParent, TpmtPublic pub, byte[] privateBlob,
            boolean emptyAuth) {
        return new Tss2KeyFile(LOADABLE, emptyAuth, false, null, null, rsaParent, parent, pub, privateBlob.clone());
    }

    /** The DER encoding. Optional fields are written only when they say something. */
    public byte[] toDer() {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1ObjectIdentifier(type));
        if (emptyAuth) {
            v.add(new DERTaggedObject(true, 0, ASN1Boolean.TRUE));
        }
        if (secret != null) {
            v.add(new DERTaggedObject(true, 2, new DEROctetString(new TpmWriter().tpm2b(secret).toByteArray())));
        }
        if (description != null) {
            v.add(new DERTaggedObject(true, 4, new DERUTF8String(description)));
        }
        if (rsaParent) {
            v.add(new DERTaggedObject(true, 5, ASN1Boolean.TRUE));
        }
        v.add(new ASN1Integer(BigInteger.valueOf(parent & 0xFFFFFFFFL))); // persistent handles stay positive
        v.add(new DEROctetString(new TpmWriter().sized(pubkey).toByteArray()));
        v.add(new DEROctetString(new TpmWriter().tpm2b(privkey).toByteArray()));
        try {
            return new DERSequence(v).getEncoded("DER");
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding failed", e);
        }
    }

    public String toPem() {
        StringWriter out = new StringWriter();
        try (PemWriter w = new PemWriter(out)) {
            w.writeObject(new PemObject(PEM_TYPE, toDer()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    /** Writes the PEM atomically (temporary file, fsync, rename) with mode 0600. */
    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(toPem().getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static Tss2KeyFile read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new KeyFileException(Reason.MISSING, "there is no key file at " + file + "; check the path");
        }
        return parsePem(text, file.toString());
    }

    public static Tss2KeyFile parsePem(String pem, String what) throws KeyFileException {
        PemObject o;
        try (PemReader r = new PemReader(new StringReader(pem))) {
            o = r.readPemObject();
        } catch (IOException | RuntimeException e) {
            throw malformed(what);
        }
        if (o == null || !PEM_TYPE.equals(o.getType())) {
            throw new KeyFileException(Reason.NOT_A_KEY_FILE, what + " is not a TSS2 PRIVATE KEY file");
        }
        return parseDer(o.getContent(), what);
    }

    /** Parses the DER; unknown tagged fields are skipped, as the draft asks. */
    public static Tss2KeyFile parseDer(byte[] der, String what) throws KeyFileException {
        try {
            ASN1Sequence seq = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der));
            int i = 0;
            String type = ASN1ObjectIdentifier.getInstance(seq.getObjectAt(i++)).getId();
            boolean emptyAuth = false;
            boolean hasPolicy = false;
            byte[] secret = null;
            String description = null;
            boolean rsaParent = false;
            while (i < seq.size() && seq.getObjectAt(i) instanceof ASN1TaggedObject t) {
                i++;
                ASN1Encodable inner = t.getExplicitBaseObject();
                switch (t.getTagNo()) {
                    case 0: emptyAuth = ASN1Boolean.getInstance(inner).isTrue(); break;
                    case 1: case 3: hasPolicy = true; break;
                    case 2: secret = tpm2bContents(ASN1OctetString.getInstance(inner).getOctets()); break;
                    case 4: description = ASN1UTF8String.getInstance(inner).getString(); break;
                    case 5: rsaParent = ASN1Boolean.getInstance(inner).isTrue(); break;
                    default: break; // a later extension: skip
                }
            }
            if (seq.size() - i < 3) {
                throw malformed(what);
            }
            // Old tpm2-tss-engine files wrote 0x81000001 as a negative INTEGER; the low 32 bits are the handle.
            int parent = ASN1Integer.getInstance(seq.getObjectAt(i++)).getValue().intValue();
            TpmtPublic pub = TpmtPublic.readSized(new TpmReader(
                    ASN1OctetString.getInstance(seq.getObjectAt(i++)).getOctets()));
            byte[] priv = tpm2bContents(ASN1OctetString.getInstance(seq.getObjectAt(i)).getOctets());
            if (IMPORTABLE.equals(type) && secret == null) {
                throw new KeyFileException(Reason.MALFORMED, what + " is an importable TSS2 key without its secret;"
                        + " wrap it again");
            }
            return new Tss2KeyFile(type, emptyAuth, hasPolicy, secret, description, rsaParent, parent, pub, priv);
        } catch (KeyFileException e) {
            throw e;
        } catch (IOException | RuntimeException | org.tpmssh.tpm.TpmException e) {
            throw malformed(what);
        }
    }

    private static byte[] tpm2bContents(byte[] sized) throws TpmFormatException {
        TpmReader r = new TpmReader(sized);
        byte[] b = r.tpm2b();
        r.expectEnd("TPM2B");
        return b;
    }

    private static KeyFileException malformed(String what) {
        return new KeyFileException(Reason.MALFORMED, what + " is not a well-formed TSS2 PRIVATE KEY file");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tss2KeyFile f && Arrays.equals(toDer(), f.toDer()) && hasPolicy == f.hasPolicy;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(toDer());
    }

    @Override
    public String toString() {
        return "Tss2KeyFile[" + type + ", parent=" + String.format("0x%08x", parent) + ", emptyAuth=" + emptyAuth
                + "]";
    }
}
