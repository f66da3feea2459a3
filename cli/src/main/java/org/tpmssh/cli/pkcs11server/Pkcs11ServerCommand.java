package org.tpmssh.cli.pkcs11server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.tpmssh.cli.Main;
import org.tpmssh.cli.options.ForegroundService;
import org.tpmssh.cli.options.StoreVerb;
import org.tpmssh.cli.options.TokenChoice;
import org.tpmssh.cli.token.TokenSession;
import org.tpmssh.stack.p11kit.P11KitClientModule;
import org.tpmssh.stack.p11kit.P11KitOptions;
import org.tpmssh.stack.p11kit.P11KitServer;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.TokenStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tpmssh pkcs11-server}: serves the tokens over p11-kit's RPC, in the foreground, so that C
 * programs loading p11-kit-client.so (ssh -I, ssh-add -s, ssh-keygen -D, pkcs11-tool) use them.
 */
@Command(name = "pkcs11-server", mixinStandardHelpOptions = true,
        description = {"Serve the tokens (default: every token under one storage key) as a PKCS#11 module for C"
                + " programs, over p11-kit's RPC: point P11_KIT_SERVER_ADDRESS at the socket and load"
                + " p11-kit-client.so (package p11-kit-modules), e.g. ssh -I"
                + " /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so.",
                "Runs in the foreground until SIGINT or SIGTERM; the log goes to stderr. The client asks for"
                        + " the PIN itself (ssh through SSH_ASKPASS); the server never stores it."})
public final class Pkcs11ServerCommand extends StoreVerb {
    private static final String LOGGER = P11KitServer.class.getName();

    @Option(names = "--socket", required = true, paramLabel = "<path>",
            description = "Where to listen; its directory is made private (0700) if new.")
    Path socket;

    @Option(names = "--token", paramLabel = "<label>",
            description = "A token to serve; repeat for more. Default: every token under the storage key of the"
                    + " store's tokens, also tokens made while the server runs.")
    List<String> tokenLabels = new ArrayList<>();

    @Option(names = "--placeholder-certificates",
            description = "Also serve, per key, an X.509 certificate holding its public key, issued by a throwaway"
                    + " key: Java's SunPKCS11 KeyStore lists only keys that have a certificate. Trust none.")
    boolean placeholderCertificates;

    private final ForegroundService foreground = new ForegroundService();

    @Override
    public Integer call() throws Exception {
        TokenStore s = store.open();
        List<String> skipped = new ArrayList<>();
        List<TokenRecord> tokens = TokenChoice.tokens(s, tokenLabels, skipped);
        List<String> labels = TokenChoice.labels(tokens);
        ParentKind chosen = TokenChoice.oneParent(tokens, "pkcs11-server");
        // With no token yet, serve the kind `token init` makes by default; tokens made later appear.
        ParentKind parent = chosen == null ? ParentKind.ECC : chosen;
        PrintWriter err = err();
        foreground.logTo(LOGGER, err, "tpmssh pkcs11-server", Main.isVerbose(spec.commandLine().getParseResult()));
        TokenSession session = null;
        P11KitServer server = null;
        try {
            skipped.forEach(why -> java.util.logging.Logger.getLogger(LOGGER).warning("skipping " + why));
            session = TokenSession.serving(tpm, s, parent);
            P11KitOptions options = P11KitOptions.defaults()
                    .withTokens(tokenLabels.isEmpty() ? Set.of() : Set.copyOf(labels))
                    .withPlaceholderCertificates(placeholderCertificates);
            server = P11KitServer.start(socket, session.tokens(), parent, options);
            foreground.installShutdownHook("tpmssh-pkcs11-server-shutdown");
            out().println(P11KitServer.ADDRESS_VARIABLE + "=" + server.address() + "; export "
                    + P11KitServer.ADDRESS_VARIABLE + ";");
            out().flush();
            err.println("tpmssh pkcs11-server: serving " + (labels.isEmpty() ? "no tokens yet"
                    : "token" + (labels.size() == 1 ? " " : "s ") + String.join(", ", labels)) + " on "
                    + server.socketPath() + "; clients load " + P11KitClientModule.find().map(Path::toString)
                    .orElse("p11-kit-client.so (not installed: package p11-kit-modules)") + "; stop with Ctrl-C");
            err.flush();
            foreground.serveUntilStopped();
            return 0;
        } finally {
            // The server first, so no request reaches a closed ring; closing it logs every client out.
            if (server != null) {
                server.close();
            }
            if (session != null) {
                session.close();
            }
            err.flush();
            foreground.finished();
        }
    }
}
