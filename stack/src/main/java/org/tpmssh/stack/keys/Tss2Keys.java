package org.tpmssh.stack.keys;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;
import org.tpmssh.stack.keys.KeyFileException.Reason;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.duplication.Duplication;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.ObjectAttributes;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.structures.TpmtPublic.EccPoint;
import org.tpmssh.tpm.structures.TpmtPublic.RsaUnique;

/**
 * TSS2 key files and the TPM: load or import a file into our stack, export a key we hold, and the
 * remote wrap. Parent 0x40000001 may mean either of two ECC SRKs, so both are tried (docs/key-import.md).
 */
public final class Tss2Keys {
    private Tss2Keys() {
    }

    /** Opens a fresh TPM connection; each SRK attempt gets its own, since KeyRing.close closes it. */
    @FunctionalInterface
    public interface Connector {
        Tpm open() throws Exception;
    }

    /** A key from a TSS2 file, ready to sign, with the ring (and SRK) that holds it; close the ring when done. */
    public record Loaded(KeyRing ring, TpmtPublic srkTemplate, ImportedKey key) {
    }

    /** The SRK templates parent 0x40000001 may mean for this file, in the order they are tried. */
    public static List<TpmtPublic> parentTemplates(Tss2KeyFile f) {
        if (f.rsaParent()) {
            TpmtPublic legacy = new TpmtPublic(Alg.RSA, Alg.SHA256, ObjectAttributes.SRK | ObjectAttributes.NO_DA,
                    new byte[0], Templates.srkRsaH1().parms(), new RsaUnique(new byte[0]));
            return List.of(Templates.srkRsaH1(), legacy);
        }
        return List.of(Templates.srkEccH2(), Templates.srkEccTss2Legacy());
    }

    /**
     * Loads a loadable file, or imports an importable one, under the SRK its parent names. An
     * importable file yields a new private blob ({@code key().privateBlob()}) to persist.
     */
    public static Loaded open(Connector tpm, Tss2KeyFile f, byte[] authValue, String comment) throws Exception {
        if (Tss2KeyFile.SEALED.equals(f.type())) {
            throw new UnsupportedKeyTypeException("this TSS2 file holds sealed data, not a signing key");
        }
        if (f.hasPolicy()) {
            throw new UnsupportedKeyTypeException("this TSS2 key needs a TPM policy to be used, which tpmssh does not"
                    + " support yet; use a key without a policy");
        }
        if (f.parent() != Handles.RH_OWNER) {
            throw new UnsupportedKeyTypeException("this TSS2 key's parent is the persistent key "
                    + Handles.hex(f.parent()) + "; tpmssh supports parent 0x40000001 only for now");
        }
        if (!f.emptyAuth() && (authValue == null || authValue.length == 0)) {
            throw new KeyFileException(Reason.PASSPHRASE_REQUIRED, "this TSS2 key needs its authorization value;"
                    + " give its PIN");
        }
        TpmException last = null;
        for (TpmtPublic template : parentTemplates(f)) {
            Tpm connection = tpm.open();
            KeyRing ring;
            try {
                ring = KeyRing.open(connection, template);
            } catch (Exception | Error e) {
                connection.close();
                throw e;
            }
            try {
                ImportedKey key = Tss2KeyFile.IMPORTABLE.equals(f.type())
                        ? KeyImport.importWrapped(ring, f.pubkey(), new Duplication(f.privkey(), f.secret()),
                                authValue, comment, null)
                        : loadBlob(ring, f.privkey(), f.pubkey(), authValue, comment);
                return new Loaded(ring, template, key);
            } catch (TpmException e) {
                ring.close();
                if (!wrongParent(e)) {
                    throw e;
                }
                last = e;
            } catch (Exception | Error e) {
                ring.close();
                throw e;
            }
        }
        throw new TpmException("this TSS2 key was made for another TPM or another storage key (parent 0x40000001"
                + " under neither the zero-filled nor the empty-unique SRK template); it cannot be loaded here", last);
    }

    private static boolean wrongParent(TpmException e) {
        Throwable t = e;
        while (t != null && !(t instanceof TpmResponseException)) {
            t = t.getCause();
        }
        if (!(t instanceof TpmResponseException r)) {
            return false;
        }
        // INTEGRITY: the blob's HMAC fails under this parent; VALUE: an RSA parent cannot decrypt the seed.
        return r.is(ResponseCodes.INTEGRITY) || r.is(ResponseCodes.VALUE);
    }

    private static ImportedKey loadBlob(KeyRing ring, byte[] priv, TpmtPublic pub, byte[] authValue, String comment)
            throws TpmException, UnsupportedKeyTypeException {
        TpmObject obj = ring.register(priv, pub, comment);
        try {
            ring.cache().use(obj, h -> new ReadPublic(h).execute(ring.tpm())); // loads it: the parent must fit
            return new ImportedKey(priv.clone(), pub, TpmSshKeys.of(ring, obj, authValue, comment));
        } catch (TpmException | RuntimeException e) {
            ring.cache().release(obj);
            throw e;
        }
    }

    /**
     * A loadable (.3) file for a key held under the ring's SRK, which must be one of the
     * templates parent 0x40000001 stands for ({@link Templates#srkEccH2()}, {@link Templates#srkEccTss2Legacy()},
     * {@link Templates#srkRsaH1()}); a key under tpm2-tools' default SRK has no portable parent.
     */
    public static Tss2KeyFile export(KeyRing ring, byte[] privateBlob, TpmtPublic pub, boolean emptyAuth) {
        TpmtPublic srk = ring.srk().publicArea();
        boolean portable = srk.attributes() == (ObjectAttributes.SRK | ObjectAttributes.NO_DA)
                && srk.nameAlg() == Alg.SHA256
                && (srk.isEcc() ? srk.parms().equals(Templates.srkEccH2().parms())
                        : srk.parms().equals(Templates.srkRsaH1().parms()));
        if (!portable) {
            throw new IllegalStateException("this key lives under an SRK that parent 0x40000001 does not name; keys"
                    + " meant for export must be created under the H-2 SRK");
        }
        return Tss2KeyFile.loadable(Handles.RH_OWNER, !srk.isEcc(), pub, privateBlob, emptyAuth);
    }

    /** The ring's SRK public key as a PEM SubjectPublicKeyInfo: what a remote wrap needs from the target. */
    public static String srkPublicPem(KeyRing ring) throws TpmException {
        StringWriter out = new StringWriter();
        try (PemWriter w = new PemWriter(out)) {
            w.writeObject(new PemObject("PUBLIC KEY", ring.srk().publicArea().toPublicKey().getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    /**
     * The SRK public area behind a PEM public key: an ECC P-256 key is taken as an H-2 (or
     * tpm2-openssl) SRK, an RSA-2048 key as H-1. Only its key, nameAlg and symmetric
     * parameters matter to the wrap.
     */
    public static TpmtPublic parentFromPem(String pem) throws KeyFileException, UnsupportedKeyTypeException {
        PublicKey key;
        try (PemReader r = new PemReader(new StringReader(pem))) {
            PemObject o = r.readPemObject();
            if (o == null || !"PUBLIC KEY".equals(o.getType())) {
                throw new KeyFileException(Reason.NOT_A_KEY_FILE, "the parent key is not a PEM PUBLIC KEY; export it"
                        + " with `tpmssh key srk-pub` or `tpm2_readpublic -f pem`");
            }
            key = java.security.KeyFactory.getInstance(algorithmOf(o.getContent()))
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(o.getContent()));
        } catch (KeyFileException e) {
            throw e;
        } catch (Exception e) {
            throw new KeyFileException(Reason.MALFORMED, "the parent public key PEM does not parse");
        }
        if (key instanceof ECPublicKey ec && SshCurve.of(ec.getParams()).orElse(null) == SshCurve.NISTP256) {
            TpmtPublic h2 = Templates.srkEccH2();
            return new TpmtPublic(h2.type(), h2.nameAlg(), h2.attributes(), h2.authPolicy(), h2.parms(),
                    new EccPoint(PrivateKeyFiles.unsigned(ec.getW().getAffineX(), 32),
                            PrivateKeyFiles.unsigned(ec.getW().getAffineY(), 32)));
        }
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() == 2048) {
            TpmtPublic h1 = Templates.srkRsaH1();
            return new TpmtPublic(h1.type(), h1.nameAlg(), h1.attributes(), h1.authPolicy(), h1.parms(),
                    new RsaUnique(PrivateKeyFiles.unsigned(rsa.getModulus(), 256)));
        }
        throw new UnsupportedKeyTypeException("the parent must be an ECC P-256 or RSA-2048 storage key");
    }

    private static String algorithmOf(byte[] spki) {
        var info = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(spki);
        return info.getAlgorithm().getAlgorithm().equals(
                org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey) ? "EC" : "RSA";
    }

    /**
     * The remote wrap: an importable (.4) file for {@code pair}, addressed to the SRK whose public
     * PEM is given. No TPM is needed here; only the target TPM can import the result.
     */
    public static Tss2KeyFile wrap(KeyPair pair, String parentPem, byte[] authValue, boolean noDa,
            SecureRandom random) throws KeyFileException, UnsupportedKeyTypeException {
        TpmtPublic parent = parentFromPem(parentPem);
        KeyImport.Wrapped w = KeyImport.wrap(pair, parent, authValue, noDa, random);
        boolean emptyAuth = authValue == null || authValue.length == 0;
        return new Tss2KeyFile(Tss2KeyFile.IMPORTABLE, emptyAuth, false, w.duplication().inSymSeed(), null,
                !parent.isEcc(), Handles.RH_OWNER, w.publicArea(), w.duplication().duplicate());
    }
}
