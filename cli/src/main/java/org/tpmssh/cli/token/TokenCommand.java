package org.tpmssh.cli.token;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tpmssh.cli.options.StoreVerb;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.StoreCheck;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.StoreListing;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.TokenStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tpmssh token}: tokens are PKCS#11-style key containers with a user PIN and an SO PIN, or none. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Create, list, check and delete tokens, and change or reset their PINs.",
        subcommands = {TokenCommand.Init.class, TokenCommand.ListTokens.class, TokenCommand.Delete.class,
                TokenCommand.ChangePin.class, TokenCommand.ResetPin.class, TokenCommand.Check.class})
public final class TokenCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Create a token: with a user PIN and an SO PIN (which resets a forgotten user PIN),"
                    + " or PIN-less (--no-user-pin; its keys still never leave the TPM).")
    static final class Init extends StoreVerb {
        @Option(names = "--label", required = true, description = "The token's name.")
        String label;

        @Option(names = "--user-pin-file", paramLabel = "<file>",
                description = "The user PIN (first line). Else TPMSSH_PIN, else a prompt.")
        Path userPinFile;

        @Option(names = "--no-user-pin", description = "Make a PIN-less token: no login, no PIN prompts.")
        boolean noUserPin;

        @Option(names = "--so-pin-file", paramLabel = "<file>",
                description = "The security officer PIN (first line), needed to reset the user PIN. Else a prompt.")
        Path soPinFile;

        @Option(names = "--parent", paramLabel = "ecc|ecc-tss2|rsa", defaultValue = "ecc",
                description = {"The storage key the token's keys live under (default: ${DEFAULT-VALUE}). It decides"
                        + " where `key export` files load: ecc-tss2 (ECC P-256, empty unique) in tpmssh,"
                        + " tpm2-openssl 1.x and ssh-tpm-agent 0.5+; ecc (go-tpm's ECCSRKTemplate) in tpmssh and"
                        + " ssh-tpm-agent 0.4 and older; rsa in tpmssh only.",
                        "One agent serves tokens of one kind."})
        String parent;

        @Override
        public Integer call() throws Exception {
            if (noUserPin && userPinFile != null) {
                throw usage("give either --user-pin-file or --no-user-pin, not both");
            }
            ParentKind kind;
            try {
                kind = ParentKind.of(parent);
            } catch (IllegalArgumentException e) {
                throw usage("--parent must be one of " + ParentKind.names(", ") + "; not '" + parent + "'");
            }
            TokenStore s = store.open();
            char[] userPin = null;
            char[] soPin = null;
            try {
                if (!noUserPin) {
                    userPin = secrets().readNew(userPinFile, "user PIN", "--user-pin-file", true,
                            "give --no-user-pin for a PIN-less token");
                    soPin = secrets().readNew(soPinFile, "SO PIN", "--so-pin-file");
                }
                try (TokenSession session = TokenSession.forParent(tpm, s, kind)) {
                    session.tokens().init(label, userPin, soPin);
                }
            } finally {
                Secrets.wipe(userPin);
                Secrets.wipe(soPin);
            }
            out().println("token '" + label + "' created " + (noUserPin ? "without a PIN" : "with a user PIN and an"
                    + " SO PIN") + ", under the " + kind.json() + " storage key, in " + s.root());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tokens in the store.")
    static final class ListTokens extends StoreVerb {
        @Override
        public Integer call() throws Exception {
            TokenStore s = store.open();
            StoreListing<TokenRecord> tokens = s.listTokens();
            tokens.damaged().forEach(this::warn);
            if (tokens.records().isEmpty()) {
                err().println("no tokens in " + s.root() + "; create one with `tpmssh token init`");
                return 0;
            }
            for (TokenRecord t : tokens.records()) {
                StoreListing<KeyRecord> keys = s.listKeys(t.label());
                keys.damaged().forEach(this::warn);
                int n = keys.records().size();
                out().printf("%-20s %-8s %-8s %d key%s%s%n", t.label(), t.pinless() ? "pin-less" : "user-pin",
                        t.parent().json(), n, n == 1 ? "" : "s",
                        keys.damaged().isEmpty() ? "" : ", " + keys.damaged().size() + " damaged");
            }
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Check every file of the store: say what is damaged and what can still be recovered"
                    + " from it. Reads only, changes nothing, and needs no TPM.",
                    "With --tcti (or TPMSSH_TCTI) it also loads every key and seal blob into that TPM, and flushes"
                            + " it again, to find blobs damaged inside well-formed files (no PIN needed).",
                    "Exit status: 0 when nothing is damaged, 3 when something is damaged, 1 when the check could not"
                            + " run."})
    static final class Check extends StoreVerb {
        /** The exit status when something is damaged. */
        static final int DAMAGED = 3;

        @Override
        public Integer call() throws Exception {
            TokenStore s = store.open();
            StoreCheck.Report report = StoreCheck.files(s);
            if (!java.nio.file.Files.isDirectory(s.root())) {
                out().println("no token store in " + s.root() + "; nothing to check");
                return 0;
            }
            List<StoreCheck.Finding> findings = new ArrayList<>(report.findings());
            for (StoreCheck.TokenSummary t : report.tokens()) {
                out().printf("%-9s token '%s' (%s, %s): %d key%s%s%n", "ok", t.token().label(),
                        t.token().pinless() ? "pin-less" : "user-pin", t.token().parent().json(), t.keys(),
                        t.keys() == 1 ? "" : "s", t.damagedKeys() == 0 ? "" : ", " + t.damagedKeys() + " damaged");
            }
            if (tpm.named().isPresent()) {
                findings.addAll(loads(s, report));
            }
            for (StoreCheck.Finding f : findings) {
                out().printf("%-9s %s%n", f.severity() == StoreCheck.Severity.DAMAGED ? "DAMAGED" : "note",
                        f.message());
                if (!f.recovery().isEmpty()) {
                    out().printf("%-9s %s%n", "", f.recovery());
                }
            }
            long damaged = findings.stream().filter(f -> f.severity() == StoreCheck.Severity.DAMAGED).count();
            out().println(damaged == 0 ? "nothing is damaged. Nothing was changed."
                    : damaged + " damaged file" + (damaged == 1 ? "" : "s") + "; every healthy token and key keeps"
                            + " working. Nothing was changed.");
            return damaged == 0 ? 0 : DAMAGED;
        }

        /** Loads each healthy token's blobs, with one key ring per storage-key kind. */
        private List<StoreCheck.Finding> loads(TokenStore s, StoreCheck.Report report) throws Exception {
            List<StoreCheck.Finding> findings = new ArrayList<>();
            for (ParentKind kind : ParentKind.values()) {
                List<TokenRecord> tokens = report.tokens().stream().map(StoreCheck.TokenSummary::token)
                        .filter(t -> t.parent() == kind).toList();
                if (tokens.isEmpty()) {
                    continue;
                }
                try (TokenSession session = TokenSession.forParent(tpm, s, kind)) {
                    findings.addAll(StoreCheck.loads(s, session.ring(), tokens, label -> out().printf(
                            "%-9s token '%s': all %d blobs load in this TPM%n", "loads", label, blobs(s, label))));
                }
            }
            return findings;
        }

        private static int blobs(TokenStore s, String label) {
            try {
                TokenRecord t = s.requireToken(label);
                return s.keys(label).size() + (t.userSeal() == null ? 0 : 1) + (t.soSeal() == null ? 0 : 1);
            } catch (StoreException e) {
                return 0;
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a token and every key in it. The TPM keeps nothing of them, so this cannot be"
                    + " undone.")
    static final class Delete extends StoreVerb {
        @Option(names = "--label", required = true, description = "The token to delete.")
        String label;

        @Override
        public Integer call() throws Exception {
            TokenStore s = store.open();
            s.requireToken(label);
            StoreListing<KeyRecord> listing = s.listKeys(label);
            int keys = listing.records().size();
            int damaged = listing.damaged().size();
            s.deleteToken(label);
            out().println("token '" + label + "' and its " + keys + " key" + (keys == 1 ? "" : "s")
                    + (damaged == 0 ? "" : " and " + damaged + " damaged key file" + (damaged == 1 ? "" : "s"))
                    + " deleted");
            return 0;
        }
    }

    @Command(name = "change-pin", mixinStandardHelpOptions = true,
            description = "Change the user PIN with the user PIN, or the SO PIN with the SO PIN (--so).")
    static final class ChangePin extends StoreVerb {
        @Option(names = "--label", required = true, description = "The token.")
        String label;

        @Option(names = "--old-pin-file", paramLabel = "<file>", description = "The current PIN (first line).")
        Path oldPinFile;

        @Option(names = "--new-pin-file", paramLabel = "<file>", description = "The new PIN (first line).")
        Path newPinFile;

        @Option(names = "--so", description = "Change the SO PIN instead of the user PIN.")
        boolean so;

        @Override
        public Integer call() throws Exception {
            String which = so ? "SO PIN" : "user PIN";
            TokenStore s = store.open();
            char[] oldPin = null;
            char[] newPin = null;
            try (TokenSession session = TokenSession.forToken(tpm, s, label)) {
                oldPin = secrets().read(oldPinFile, "current " + which, "--old-pin-file", !so);
                newPin = secrets().readNew(newPinFile, "new " + which, "--new-pin-file");
                try {
                    if (so) {
                        session.tokens().changeSoPin(label, oldPin, newPin);
                    } else {
                        session.tokens().changeUserPin(label, oldPin, newPin);
                    }
                } catch (PinIncorrectException e) {
                    throw session.counted(e);
                }
            } finally {
                Secrets.wipe(oldPin);
                Secrets.wipe(newPin);
            }
            out().println("the " + which + " of token '" + label + "' is changed");
            return 0;
        }
    }

    @Command(name = "reset-pin", mixinStandardHelpOptions = true,
            description = "Set a new user PIN with the SO PIN, e.g. when the user PIN is forgotten.")
    static final class ResetPin extends StoreVerb {
        @Option(names = "--label", required = true, description = "The token.")
        String label;

        @Option(names = "--so-pin-file", paramLabel = "<file>", description = "The SO PIN (first line).")
        Path soPinFile;

        @Option(names = "--new-pin-file", paramLabel = "<file>", description = "The new user PIN (first line).")
        Path newPinFile;

        @Override
        public Integer call() throws Exception {
            TokenStore s = store.open();
            char[] soPin = null;
            char[] newPin = null;
            try (TokenSession session = TokenSession.forToken(tpm, s, label)) {
                soPin = secrets().read(soPinFile, "SO PIN", "--so-pin-file", false);
                newPin = secrets().readNew(newPinFile, "new user PIN", "--new-pin-file");
                try {
                    session.tokens().resetUserPin(label, soPin, newPin);
                } catch (PinIncorrectException e) {
                    throw session.counted(e);
                }
            } finally {
                Secrets.wipe(soPin);
                Secrets.wipe(newPin);
            }
            out().println("the user PIN of token '" + label + "' is reset");
            return 0;
        }
    }
}
