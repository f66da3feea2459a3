package org.tpmssh.axes;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A value of one matrix axis, implemented by each axis's enum: its label (as users, display names and reports
 * spell it: the constant's name in lower case with dashes) and its {@link Use}.
 */
public interface AxisValue {

    /** The enum constant's name, e.g. {@code SWTPM_TCP}. */
    String name();

    Use use();

    /** {@code swtpm-tcp} for {@code SWTPM_TCP}. */
    default String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The family a value belongs to, e.g. {@code container}: a filter that names the family takes all its members,
     * whatever their {@link Use}. Empty for a value of no family.
     */
    default Optional<String> family() {
        return Optional.empty();
    }

    /** How a value takes part in a run or a scenario that does not name it. */
    enum Use {
        /** A run takes it unless a filter leaves it out, and every scenario applies to it. */
        DEFAULT,
        /** Every scenario applies to it, but a run takes it only when a filter names it (or says {@code all}). */
        ON_REQUEST,
        /** Only scenarios that name it apply to it, and a run takes it only when a filter names it. */
        OPT_IN
    }

    /** {@code named} if a scenario named any, else every value but the opt-in ones, in declaration order. */
    static <E extends AxisValue> List<E> applicable(E[] named, E[] all) {
        return named.length > 0 ? List.of(named)
                : Arrays.stream(all).filter(v -> v.use() != Use.OPT_IN).toList();
    }
}
