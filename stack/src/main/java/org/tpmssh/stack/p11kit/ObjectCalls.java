package org.tpmssh.stack.p11kit;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Ckr;
import org.tpmssh.stack.pkcs11.Pkcs11Exception;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.tpm.TpmException;

/** Object search and attributes: the model's key objects, plus placeholder certificates when the server offers them. */
final class ObjectCalls {
    private ObjectCalls() {
    }

    static void register(Map<RpcCall, CallHandler> table) {
        table.put(RpcCall.C_FindObjectsInit, ObjectCalls::findInit);
        table.put(RpcCall.C_FindObjects, ObjectCalls::find);
        table.put(RpcCall.C_FindObjectsFinal, ObjectCalls::findFinal);
        table.put(RpcCall.C_GetAttributeValue, ObjectCalls::attributes);
    }

    private static byte[] findInit(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        List<Attribute> template = in.readAttributeArray();
        in.end();
        RpcSession s = app.session(handle);
        if (s.found != null) {
            throw new Pkcs11Exception(Ckr.OPERATION_ACTIVE, "a search is active; end it with C_FindObjectsFinal");
        }
        Map<Long, Object> wanted = new LinkedHashMap<>();
        for (Attribute a : template) {
            if (a.value() == null) {
                throw new Pkcs11Exception(Ckr.ATTRIBUTE_VALUE_INVALID, "template attribute 0x"
                        + Long.toHexString(a.type()) + " has no value");
            }
            wanted.put(a.type(), a.value());
        }
        List<Long> found = new ArrayList<>(s.model().findObjects(wanted));
        PlaceholderCertificates certificates = app.served().certificates();
        Object kind = wanted.get(Ck.CKA_CLASS);
        if (certificates != null && (kind == null || kind.equals(Ck.CKO_CERTIFICATE))) {
            for (KeyRecord k : keys(app, s.token)) {
                if (matches(certificate(certificates, k), wanted)) {
                    found.add(app.certificateHandle(s.token, k));
                }
            }
        }
        s.found = found;
        s.foundAt = 0;
        return RpcWriter.response(RpcCall.C_FindObjectsInit).toBytes();
    }

    private static byte[] find(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        long room = in.readUlongBuffer();
        in.end();
        RpcSession s = app.session(handle);
        if (s.found == null) {
            throw new Pkcs11Exception(Ckr.OPERATION_NOT_INITIALIZED, "call C_FindObjectsInit first");
        }
        if (room == 0) {
            throw new Pkcs11Exception(Ckr.ARGUMENTS_BAD, "C_FindObjects needs room for at least one handle");
        }
        int end = (int) Math.min(s.found.size(), s.foundAt + room);
        List<Long> batch = s.found.subList(s.foundAt, end);
        s.foundAt = end;
        return RpcWriter.response(RpcCall.C_FindObjects).ulongArray(batch.stream().mapToLong(Long::longValue)
                .toArray()).toBytes();
    }

    private static byte[] findFinal(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        in.end();
        RpcSession s = app.session(handle);
        if (s.found == null) {
            throw new Pkcs11Exception(Ckr.OPERATION_NOT_INITIALIZED, "no search is active");
        }
        s.found = null;
        return RpcWriter.response(RpcCall.C_FindObjectsFinal).toBytes();
    }

    /**
     * C_GetAttributeValue: each attribute answered, or marked unavailable with the CK_RV that says
     * why (sensitive, unknown, or a buffer too small); those travel beside the array, not as an error.
     */
    private static byte[] attributes(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        long object = in.readUlong();
        List<AttributeQuery> queries = in.readAttributeBuffer();
        in.end();
        RpcSession s = app.session(handle);
        Optional<KeyRecord> certified = app.certificate(s.token, object);
        Map<Long, Object> certificate = certified.isPresent()
                ? certificate(app.served().certificates(), certified.get()) : null;
        List<AttributeAnswer> answers = new ArrayList<>(queries.size());
        long rv = Ckr.OK;
        for (AttributeQuery q : queries) {
            Object value;
            long why;
            if (certificate != null) {
                value = certificate.get(q.type());
                why = value == null ? Ckr.ATTRIBUTE_TYPE_INVALID : Ckr.OK;
            } else {
                try {
                    value = s.model().getAttribute(object, q.type());
                    why = Ckr.OK;
                } catch (Pkcs11Exception e) {
                    if (e.ckr() != Ckr.ATTRIBUTE_SENSITIVE && e.ckr() != Ckr.ATTRIBUTE_TYPE_INVALID) {
                        throw e; // e.g. CKR_OBJECT_HANDLE_INVALID: the whole call fails
                    }
                    value = null;
                    why = e.ckr();
                }
            }
            AttributeAnswer a = value == null ? AttributeAnswer.unavailable(q.type())
                    : AttributeAnswer.of(q.type(), value, q.bufferLength());
            if (value != null && a.unavailable()) {
                why = Ckr.BUFFER_TOO_SMALL;
            }
            if (rv == Ckr.OK) {
                rv = why;
            }
            answers.add(a);
        }
        return RpcWriter.response(RpcCall.C_GetAttributeValue).attributes(answers, answers.size()).ulong(rv)
                .toBytes();
    }

    private static Map<Long, Object> certificate(PlaceholderCertificates certificates, KeyRecord key)
            throws Pkcs11Exception {
        try {
            return certificates.attributes(key);
        } catch (GeneralSecurityException | TpmException e) {
            throw new Pkcs11Exception(Ckr.GENERAL_ERROR, "no certificate for key '" + key.label() + "': "
                    + e.getMessage(), e);
        }
    }

    private static List<KeyRecord> keys(Application app, String token) throws Pkcs11Exception {
        try {
            return app.served().tokens().store().keys(token);
        } catch (StoreException e) {
            throw new Pkcs11Exception(Ckr.GENERAL_ERROR, e.getMessage(), e);
        }
    }

    private static boolean matches(Map<Long, Object> attributes, Map<Long, Object> template) {
        for (Map.Entry<Long, Object> e : template.entrySet()) {
            Object have = attributes.get(e.getKey());
            Object want = e.getValue();
            boolean same = have instanceof byte[] a && want instanceof byte[] b ? Arrays.equals(a, b)
                    : have != null && have.equals(want);
            if (!same) {
                return false;
            }
        }
        return true;
    }
}
