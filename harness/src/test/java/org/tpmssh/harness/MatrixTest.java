package org.tpmssh.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How the matrix is named and filtered; pure logic, no TPM. */
class MatrixTest {

    /** Holds an annotation to read; never run (not a test class of its own). */
    static final class Holder {
        @TpmMatrix(backends = {"swtpm-tcp", "mssim"}, servers = "openssh", clients = "ssh-agent",
                keys = {"ecc-p256", "rsa-3072"}, origins = {"created", "pinless"})
        void annotated() {
        }
    }

    private static TpmMatrix annotation() throws Exception {
        return Holder.class.getDeclaredMethod("annotated").getAnnotation(TpmMatrix.class);
    }

    @Test
    @DisplayName("an invocation is named after its combination, and reports key it by id")
    void naming() {
        Combination c = new Combination("swtpm-tcp", "java", "openssh", "ssh-agent", "ecc-p256", "created");
        assertThat(c.displayName()).isEqualTo("[swtpm-tcp | java | openssh | ecc-p256 | created]");
        assertThat(c.id()).isEqualTo("swtpm-tcp|java|openssh|ecc-p256|created");
        Combination mina = new Combination("mssim", "java", "mina", "mina-jca", "rsa-2048", "pinless");
        assertThat(mina.displayName()).isEqualTo("[mssim | java | mina | mina-jca | rsa-2048 | pinless]");
    }

    @Test
    @DisplayName("the default filter keeps the modest matrix; filters narrow it; 'all' widens it")
    void filtering() throws Exception {
        MatrixFilter defaults = MatrixFilter.read(k -> Optional.empty());
        assertThat(TpmMatrixProvider.combinations(annotation(), defaults)).extracting(Combination::id)
                .containsExactly("swtpm-tcp|java|openssh|ecc-p256|created", "swtpm-tcp|java|openssh|ecc-p256|pinless",
                        "mssim|java|openssh|ecc-p256|created", "mssim|java|openssh|ecc-p256|pinless");

        Map<String, String> params = Map.of("tpmssh.backend", "mssim", "tpmssh.keys", "all",
                "tpmssh.origins", "pinless");
        MatrixFilter narrow = MatrixFilter.read(k -> Optional.ofNullable(params.get(k)));
        assertThat(TpmMatrixProvider.combinations(annotation(), narrow)).extracting(Combination::id)
                .containsExactly("mssim|java|openssh|ecc-p256|pinless", "mssim|java|openssh|rsa-3072|pinless");
    }

    @Test
    @DisplayName("stack 'all' runs every built-in stack: ours and the system tpm2-pkcs11")
    void allStacks() {
        MatrixFilter all = MatrixFilter.read(k -> k.equals("tpmssh.stack") ? Optional.of("all") : Optional.empty());
        assertThat(all.chosen().get(Combination.Axis.STACK)).containsExactly("java", "tpm2-pkcs11");
        assertThat(StackAdapters.create("tpm2-pkcs11", "id")).get().extracting(StackAdapter::name)
                .isEqualTo("tpm2-pkcs11");
    }

    @Test
    @DisplayName("a misspelt filter value is one actionable error")
    void unknownValue() {
        assertThatThrownBy(() -> MatrixFilter.read(k -> k.equals("tpmssh.keys") ? Optional.of("ecc-p999")
                : Optional.empty()))
                .hasMessage("unknown key \"ecc-p999\"; choose one of ecc-p256, ecc-p384, ecc-p521, rsa-2048, rsa-3072");
    }

    @Test
    @DisplayName("the scenario filter matches class or method names")
    void scenarioFilter() {
        MatrixFilter f = MatrixFilter.read(k -> k.equals("tpmssh.scenarios") ? Optional.of("Login, sshsig")
                : Optional.empty());
        assertThat(f.allowsScenario("org.tpmssh.scenarios.LoginTest#x")).isTrue();
        assertThat(f.allowsScenario("org.tpmssh.scenarios.SshSigRoundTripTest#y")).isTrue();
        assertThat(f.allowsScenario("org.tpmssh.scenarios.LockoutTest#z")).isFalse();
        assertThat(List.of(Backends.unavailable(Backends.CONTAINER, Backends.Config.none()).orElse("")))
                .allMatch(r -> r.isEmpty() || r.contains("Docker") || r.contains("TPMSSH_SWTPM_IMAGE"));
    }
}
