package org.tpmssh.harness.matrix;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.KeyAlgorithm;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;

/**
 * Runs a scenario once per matrix combination it applies to and the run's filters allow. An attribute left
 * empty means every value of its axis except the opt-in ones; every scenario runs on every chosen stack.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@TestTemplate
@ExtendWith(TpmMatrixProvider.class)
public @interface TpmMatrix {
    Backend[] backends() default {};

    Server[] servers() default {};

    Client[] clients() default {};

    KeyAlgorithm[] keys() default {};

    Origin[] origins() default {};
}
