package org.tpmssh.stack.p11kit;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.EnumMap;
import java.util.Map;
import org.tpmssh.stack.pkcs11.Ckr;
import org.tpmssh.stack.pkcs11.Pkcs11Exception;

/**
 * Routes each request to its call's handler and turns every failure into the ERROR reply with a
 * CK_RV, so one bad request never ends the connection: a malformed one gets CKR_DEVICE_ERROR (as
 * p11-kit's own server answers), a failed call its CKR code, a bug of ours CKR_GENERAL_ERROR.
 * Calls a tpmssh token cannot serve (objects made or changed, encryption, digests, verification)
 * check their session and answer CKR_FUNCTION_NOT_SUPPORTED.
 */
final class RpcDispatcher {
    private static final Logger LOG = System.getLogger(P11KitServer.class.getName());

    private final Map<RpcCall, CallHandler> table = new EnumMap<>(RpcCall.class);

    RpcDispatcher() {
        SlotCalls.register(table);
        SessionCalls.register(table);
        ObjectCalls.register(table);
        SignCalls.register(table);
        for (RpcCall call : RpcCall.values()) {
            if (call != RpcCall.ERROR && !table.containsKey(call)) {
                table.put(call, RpcDispatcher::unsupported);
            }
        }
    }

    /** The response to one request body; never throws. */
    byte[] handle(Application app, byte[] request) {
        RpcCall call = null;
        try {
            call = RpcReader.request(request).call();
            return dispatch(app, request);
        } catch (RpcFormatException e) {
            LOG.log(Level.WARNING, "p11-kit server: refused a malformed request: {0}", e.getMessage());
            return RpcWriter.error(Ckr.DEVICE_ERROR);
        } catch (Pkcs11Exception e) {
            boolean pin = e.ckr() == Ckr.PIN_INCORRECT || e.ckr() == Ckr.PIN_LOCKED;
            LOG.log(pin ? Level.WARNING : Level.DEBUG, "p11-kit server: {0}: {1}", call, e.getMessage());
            return RpcWriter.error(e.ckr());
        } catch (RuntimeException e) {
            // Never let one request's bug reach the connection or print a trace.
            LOG.log(Level.ERROR, "p11-kit server: {0} failed unexpectedly: {1}", call, e.toString());
            return RpcWriter.error(Ckr.GENERAL_ERROR);
        }
    }

    /**
     * The response to one request body, without the safety net of {@link #handle}: a malformed request is an
     * {@link RpcFormatException}, a failed call a {@link Pkcs11Exception}, and anything else is a bug (the fuzz
     * target calls this to find them).
     */
    byte[] dispatch(Application app, byte[] request) throws RpcFormatException, Pkcs11Exception {
        RpcReader in = RpcReader.request(request);
        return table.get(in.call()).handle(app, in);
    }

    private static byte[] unsupported(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        if (in.call() == RpcCall.C_WaitForSlotEvent) {
            app.module();
        } else if (in.call() == RpcCall.C_InitToken) {
            app.token(in.readUlong());
        } else {
            app.session(in.readUlong()); // every other one starts with its session
        }
        throw new Pkcs11Exception(Ckr.FUNCTION_NOT_SUPPORTED, in.call() + " is not something a tpmssh token does");
    }
}
