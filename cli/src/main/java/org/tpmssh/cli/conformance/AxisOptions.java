package org.tpmssh.cli.conformance;

import java.util.Iterator;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;

/** The values and defaults that {@code conformance}'s axis options show in their help, read from the axes. */
final class AxisOptions {
    private AxisOptions() {
    }

    /**
     * An axis's known values and then its families, listed by {@code ${COMPLETION-CANDIDATES}}; picocli needs one
     * class per option.
     */
    abstract static class Values implements Iterable<String> {
        private final Axis axis;

        Values(Axis axis) {
            this.axis = axis;
        }

        @Override
        public Iterator<String> iterator() {
            return axis.choices().iterator();
        }
    }

    static final class Backends extends Values {
        Backends() {
            super(Axis.BACKEND);
        }
    }

    static final class Stacks extends Values {
        Stacks() {
            super(Axis.STACK);
        }
    }

    static final class Servers extends Values {
        Servers() {
            super(Axis.SERVER);
        }
    }

    static final class Clients extends Values {
        Clients() {
            super(Axis.CLIENT);
        }
    }

    static final class Keys extends Values {
        Keys() {
            super(Axis.KEY);
        }
    }

    static final class Origins extends Values {
        Origins() {
            super(Axis.ORIGIN);
        }
    }

    /**
     * The options' defaults: one auto-started swtpm for a quick run, the axes' own defaults for servers and keys,
     * and none for the rest, which leaves them to the harness (and lets {@code --stack} widen {@code --client}).
     */
    static final class Defaults implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec arg) {
            if (!(arg.completionCandidates() instanceof Values values)) {
                return null;
            }
            return switch (values.axis) {
                case BACKEND -> Backend.SWTPM_TCP.label();
                case SERVER, KEY -> String.join(",", values.axis.defaults());
                case STACK, CLIENT, ORIGIN -> null;
            };
        }
    }
}
