package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.tpmssh.cli.Main;
import org.tpmssh.cli.agent.AgentCommand;
import picocli.CommandLine;

/** A running {@code tpmssh agent} in a background thread, as in a terminal; closing it stops it as SIGTERM would. */
final class RunningAgent implements AutoCloseable {
    final AgentCommand command;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicInteger exit = new AtomicInteger(-1);
    final Thread thread;
    final Cli cli;

    /** {@code tpmssh agent ARGS --tcti <cli's swtpm> --store <cli's store>}, once it serves. */
    RunningAgent(Cli cli, String... args) throws Exception {
        this.cli = cli;
        CommandLine line = Main.commandLine(Main.SCENARIO_PACKAGE);
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        command = (AgentCommand) line.getSubcommands().get("agent").getCommand();
        List<String> all = new ArrayList<>(List.of("agent"));
        all.addAll(List.of(args));
        all.addAll(List.of("--tcti", cli.tcti(), "--store", cli.store().toString()));
        thread = new Thread(() -> exit.set(line.execute(all.toArray(String[]::new))), "tpmssh-agent-under-test");
        thread.start();
        assertThat(command.awaitServing(30, TimeUnit.SECONDS)).isTrue();
        assertThat(exit.get()).as("agent ended early: %s", err).isEqualTo(-1);
    }

    Path socket() {
        String line = out.toString().lines().findFirst().orElseThrow();
        assertThat(line).matches("SSH_AUTH_SOCK=/.+; export SSH_AUTH_SOCK;");
        return Path.of(line.substring("SSH_AUTH_SOCK=".length(), line.indexOf(';')));
    }

    @Override
    public void close() throws Exception {
        assertThat(command.stop(30, TimeUnit.SECONDS)).isTrue();
        thread.join(30_000);
        cli.record(out.toString());
        cli.record(err.toString());
        assertThat(exit.get()).as(err.toString()).isZero();
    }
}
