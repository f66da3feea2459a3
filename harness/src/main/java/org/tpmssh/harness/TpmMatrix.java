package org.tpmssh.harness;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a scenario once per matrix combination. The attributes say which values a scenario applies to; the
 * {@code tpmssh.*} filters (see {@link MatrixFilter}) then narrow them for a run. A combination that cannot run
 * here (no simulator, no device, a curve the TPM lacks, a part not built yet) is generated and skipped with
 * its reason.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@TestTemplate
@ExtendWith(TpmMatrixProvider.class)
public @interface TpmMatrix {
    String[] backends() default {"swtpm-tcp", "swtpm-unix", "mssim", "device", "container"};

    String[] stacks() default {"java"};

    String[] servers() default {"openssh", "mina"};

    String[] clients() default {"ssh-agent", "mina-jca"};

    String[] keys() default {"ecc-p256", "ecc-p384", "ecc-p521", "rsa-2048", "rsa-3072"};

    String[] origins() default {"created", "imported", "pinless"};
}
