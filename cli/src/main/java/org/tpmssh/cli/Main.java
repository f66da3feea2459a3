package org.tpmssh.cli;

import java.io.PrintWriter;
import org.tpmssh.cli.agent.AgentCommand;
import org.tpmssh.cli.conformance.ConformanceCommand;
import org.tpmssh.cli.key.KeyCommand;
import org.tpmssh.cli.pkcs11server.Pkcs11ServerCommand;
import org.tpmssh.cli.probe.ProbeCommand;
import org.tpmssh.cli.report.ReportCommand;
import org.tpmssh.cli.token.TokenCommand;
import org.tpmssh.stack.pin.ExposedSecretFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The single {@code tpmssh} command: wires the subcommands and turns every user error into one line on
 * stderr and a distinct exit code (1 when something failed, 2 for a usage error).
 */
@Command(
        name = "tpmssh",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "TPM-backed SSH keys, and the conformance harness that proves they work.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit code of a usage error; picocli uses the same value for its own parse errors. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;

    /** The package whose test classes are the scenario suites, the same that {@code mvn verify} runs. */
    public static final String SCENARIO_PACKAGE = "org.tpmssh.scenarios";

    @Spec CommandSpec spec;

    // Inherited so that it may be given before or after the subcommand's name.
    @Option(
            names = "--verbose",
            scope = ScopeType.INHERIT,
            description = "Show stack traces of errors and of failing scenarios.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(commandLine(SCENARIO_PACKAGE).execute(args));
    }

    /**
     * Builds the command line; the scenario package is a parameter so that tests can point {@code
     * conformance} at a fixture instead of the real suites.
     */
    public static CommandLine commandLine(String scenarioPackage) {
        CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand(new ConformanceCommand(scenarioPackage));
        cli.addSubcommand(new ProbeCommand());
        cli.addSubcommand(new ReportCommand());
        cli.addSubcommand(new TokenCommand());
        cli.addSubcommand(new KeyCommand());
        cli.addSubcommand(new AgentCommand());
        cli.addSubcommand(new Pkcs11ServerCommand());
        cli.setParameterExceptionHandler(Main::usageError);
        cli.setExecutionExceptionHandler(Main::executionError);
        return cli;
    }

    /** Without a subcommand there is nothing to do, so show what there is. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        PrintWriter err = cli.getErr();
        err.println("tpmssh: " + e.getMessage());
        if (!UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        return USAGE;
    }

    private static int executionError(Exception e, CommandLine cli, ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (isVerbose(parsed)) {
            e.printStackTrace(err);
        } else {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            err.println("tpmssh: " + message + " (run with --verbose for details)");
        }
        err.flush();
        return isUsage(e) ? USAGE : CommandLine.ExitCode.SOFTWARE;
    }

    /** A secret file others can read is refused like a wrong option (exit 2): the command line must change. */
    private static boolean isUsage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ExposedSecretFileException) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code --verbose} was given at any level of the command line. */
    public static boolean isVerbose(ParseResult parsed) {
        for (ParseResult level = parsed; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** Reads the version Maven wrote into the jar's manifest, so there is one source of truth. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tpmssh " + (version == null ? "(development build)" : version)};
        }
    }
}
