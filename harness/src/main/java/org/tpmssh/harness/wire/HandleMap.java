package org.tpmssh.harness.wire;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;

/**
 * Which object each TPM handle holds, learned only by watching commands and their responses: Load,
 * LoadExternal, CreatePrimary, CreateLoaded and ReadPublic name a handle; ContextSave and ContextLoad carry a
 * name across a resource manager's save and reload; FlushContext and Startup forget. Handles are the TPM's
 * own, so one map serves every client connection. Used under the proxy's upstream lock, in wire order.
 */
final class HandleMap {
    /** Saved contexts remembered; a resource manager saves often, and old contexts are reloaded rarely. */
    private static final int SAVED_LIMIT = 4096;

    private final Map<Integer, WireObject> objects = new HashMap<>();
    private final Map<String, WireObject> saved = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, WireObject> eldest) {
            return size() > SAVED_LIMIT;
        }
    };

    synchronized WireObject get(int handle) {
        return objects.get(handle);
    }

    /** The object behind the command's first handle, when the command has one and it is known. */
    synchronized WireObject subjectOf(byte[] command) {
        int cc = Frames.codeAt6(command);
        if (!Frames.knowsHandles(cc) || command.length < Frames.HEADER + 4) {
            return null;
        }
        try {
            Frames.Command c = Frames.command(command);
            return c.handles().length == 0 ? null : objects.get(c.handle(0));
        } catch (TpmFormatException e) {
            return null;
        }
    }

    /** The template of a creating command (CreatePrimary, Create, CreateLoaded), else null. */
    static WireObject templateOf(byte[] command) {
        int cc = Frames.codeAt6(command);
        if (cc != CommandCode.CREATE_PRIMARY && cc != CommandCode.CREATE && cc != CommandCode.CREATE_LOADED) {
            return null;
        }
        try {
            TpmReader p = Frames.command(command).params(command);
            p.tpm2b(); // inSensitive: its size is in clear even when parameter encryption hides its body
            return WireObject.ofTemplate(p.tpm2b());
        } catch (TpmFormatException e) {
            return null;
        }
    }

    /** Learns from one completed exchange; a response that does not parse teaches nothing. */
    synchronized void observe(byte[] command, byte[] response) {
        int cc = Frames.codeAt6(command);
        if (Frames.codeAt6(response) != 0) {
            return;
        }
        try {
            switch (cc) {
                case CommandCode.STARTUP:
                    objects.clear(); // every transient handle is void after a TPM reset
                    saved.clear();
                    break;
                case CommandCode.LOAD:
                case CommandCode.LOAD_EXTERNAL: {
                    TpmReader p = Frames.command(command).params(command);
                    p.tpm2b(); // inPrivate (encrypted, or empty for LoadExternal of a public key)
                    put(Frames.response(cc, response).handles()[0], WireObject.ofPublic(p.tpm2b()));
                    break;
                }
                case CommandCode.CREATE_PRIMARY: {
                    Frames.Response r = Frames.response(cc, response);
                    TpmReader p = r.params(response);
                    p.tpm2b(); // outPublic, possibly encrypted; the Name at the end is not
                    p.tpm2b(); // creationData
                    p.tpm2b(); // creationHash
                    p.u16();   // creationTicket: tag, hierarchy, digest
                    p.u32();
                    p.tpm2b();
                    byte[] name = p.tpm2b();
                    WireObject template = templateOf(command);
                    put(r.handles()[0], template == null ? WireObject.named(name) : template.withName(name));
                    break;
                }
                case CommandCode.CREATE_LOADED: {
                    Frames.Response r = Frames.response(cc, response);
                    TpmReader p = r.params(response);
                    p.tpm2b(); // outPrivate
                    p.tpm2b(); // outPublic
                    byte[] name = p.tpm2b();
                    WireObject template = templateOf(command);
                    put(r.handles()[0], template == null ? WireObject.named(name) : template.withName(name));
                    break;
                }
                case CommandCode.READ_PUBLIC: {
                    int handle = Frames.command(command).handle(0);
                    TpmReader p = Frames.response(cc, response).params(response);
                    put(handle, WireObject.ofPublic(p.tpm2b()));
                    break;
                }
                case CommandCode.CONTEXT_SAVE: {
                    WireObject o = objects.get(Frames.command(command).handle(0));
                    if (o != null) {
                        Frames.Response r = Frames.response(cc, response);
                        saved.put(contextKey(response, r.paramOffset(), r.paramSize()), o);
                    }
                    break;
                }
                case CommandCode.CONTEXT_LOAD: {
                    Frames.Command c = Frames.command(command);
                    WireObject o = saved.get(contextKey(command, c.paramOffset(), command.length - c.paramOffset()));
                    if (o != null) {
                        put(Frames.response(cc, response).handles()[0], o);
                    }
                    break;
                }
                case CommandCode.FLUSH_CONTEXT:
                    objects.remove(Frames.command(command).params(command).u32());
                    break;
                default:
                    break;
            }
        } catch (TpmFormatException e) {
            // A frame we cannot read teaches us nothing; the handle stays unknown rather than misnamed.
        }
    }

    private void put(int handle, WireObject o) {
        int type = Handles.type(handle);
        if (type == Handles.HT_TRANSIENT || type == Handles.HT_PERSISTENT) {
            objects.put(handle, o);
        }
    }

    /** A saved context (TPMS_CONTEXT) identified by the hash of its bytes, which a ContextLoad repeats exactly. */
    private static String contextKey(byte[] frame, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(frame, offset, length);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
