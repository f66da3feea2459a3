package org.tpmssh.harness.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tpmssh.axes.Backend.MSSIM;
import static org.tpmssh.axes.Backend.SWTPM_TCP;
import static org.tpmssh.axes.Client.SSH_AGENT;
import static org.tpmssh.axes.KeyAlgorithm.ECC_P256;
import static org.tpmssh.axes.KeyAlgorithm.RSA_3072;
import static org.tpmssh.axes.Origin.CREATED;
import static org.tpmssh.axes.Origin.PINLESS;
import static org.tpmssh.axes.Server.OPENSSH;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.Combination;
import org.tpmssh.axes.KeyAlgorithm;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;

/** How the matrix is expanded and filtered; pure logic, no TPM. */
class MatrixTest {

    /** Holds annotations to read; never run (not a test class of its own). */
    static final class Holder {
        @TpmMatrix(backends = {SWTPM_TCP, MSSIM}, servers = OPENSSH, clients = SSH_AGENT, keys = {ECC_P256, RSA_3072},
                origins = {CREATED, PINLESS})
        void annotated() {
        }

        @TpmMatrix
        void everything() {
        }
    }

    private static TpmMatrix annotation(String method) throws Exception {
        return Holder.class.getDeclaredMethod(method).getAnnotation(TpmMatrix.class);
    }

    private static MatrixFilter filter(Map<String, String> parameters) {
        return MatrixFilter.read(k -> Optional.ofNullable(parameters.get(k)));
    }

    @Test
    @DisplayName("the default filter keeps the modest matrix; filters narrow it; 'all' widens it")
    void filtering() throws Exception {
        assertThat(TpmMatrixProvider.combinations(annotation("annotated"), filter(Map.of())))
                .extracting(Combination::id)
                .containsExactly("swtpm-tcp|java|openssh|ecc-p256|created", "swtpm-tcp|java|openssh|ecc-p256|pinless",
                        "mssim|java|openssh|ecc-p256|created", "mssim|java|openssh|ecc-p256|pinless");

        MatrixFilter narrow = filter(Map.of("tpmssh.backend", "mssim", "tpmssh.keys", "all",
                "tpmssh.origins", "pinless"));
        assertThat(TpmMatrixProvider.combinations(annotation("annotated"), narrow)).extracting(Combination::id)
                .containsExactly("mssim|java|openssh|ecc-p256|pinless", "mssim|java|openssh|rsa-3072|pinless");
    }

    @Test
    @DisplayName("a scenario that names no values runs on every value but the opt-in ones, on every chosen stack")
    void unnamedAxes() throws Exception {
        MatrixFilter all = filter(Map.of("tpmssh.backend", "all", "tpmssh.stack", "all", "tpmssh.client", "all",
                "tpmssh.keys", "all"));
        var combinations = TpmMatrixProvider.combinations(annotation("everything"), all);
        // 8 backends (not swtpm-as-device) x 2 stacks x 2 servers x 2 clients (not ssh-pkcs11) x 5 keys x 3 origins
        assertThat(combinations).hasSize(8 * 2 * 2 * 2 * 5 * 3);
        assertThat(combinations).extracting(Combination::backend).doesNotContain(Backend.SWTPM_AS_DEVICE);
        assertThat(combinations).extracting(Combination::displayName)
                .contains("[swtpm-tcp | tpm2-pkcs11 | mina | mina-jca | ecc-p521 | imported]")
                .noneMatch(n -> n.contains("ssh-pkcs11"));
    }

    @Test
    @DisplayName("stack 'all' runs every built-in stack: ours and the system tpm2-pkcs11")
    void allStacks() {
        MatrixFilter all = filter(Map.of("tpmssh.stack", "all"));
        assertThat(all.chosen().get(Axis.STACK)).containsExactly("java", "tpm2-pkcs11");
        assertThat(StackAdapters.create("tpm2-pkcs11", "id")).get().extracting(StackAdapter::name)
                .isEqualTo("tpm2-pkcs11");
        assertThat(StackAdapters.create("java", "id")).get().extracting(StackAdapter::name).isEqualTo("java");
    }

    @Test
    @DisplayName("a misspelt filter value is one actionable error")
    void unknownValue() {
        assertThatThrownBy(() -> filter(Map.of("tpmssh.keys", "ecc-p999")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown key \"ecc-p999\"; choose one of ecc-p256, ecc-p384, ecc-p521, rsa-2048, rsa-3072");
        assertThatThrownBy(() -> filter(Map.of("tpmssh.backend", "swtpm")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown backend \"swtpm\"; choose one of swtpm-tcp, swtpm-unix, mssim, device,"
                        + " container-host, container-testing, container-trixie, swtpm-as-device, swtpm-abrmd,"
                        + " container");
    }

    @Test
    @DisplayName("the key axis has exactly the stack's key types, under the same labels")
    void keyAxisMatchesTheStack() {
        assertThat(Arrays.stream(KeyAlgorithm.values()).map(MatrixRun::keyType).map(KeyType::label))
                .containsExactlyElementsOf(Axis.KEY.known());
        assertThat(KeyType.values()).hasSameSizeAs(KeyAlgorithm.values());
    }

    @Test
    @DisplayName("the scenario filter matches class, method or display names")
    void scenarioFilter() {
        MatrixFilter f = filter(Map.of("tpmssh.scenarios", "Login, sshsig"));
        assertThat(f.allowsScenario("org.tpmssh.scenarios.LoginTest#x")).isTrue();
        assertThat(f.allowsScenario("org.tpmssh.scenarios.SshSigRoundTripTest#y")).isTrue();
        assertThat(f.allowsScenario("org.tpmssh.scenarios.LockoutTest#z")).isFalse();
        // A display name counts, and a glob is a glob, as for `tpmssh conformance --scenarios`.
        MatrixFilter glob = filter(Map.of("tpmssh.scenarios", "ssh*TPM k?y"));
        assertThat(glob.allowsScenario("org.tpmssh.scenarios.LoginTest#x", "ssh logs in with a TPM key")).isTrue();
        assertThat(glob.allowsScenario("org.tpmssh.scenarios.LoginTest#x", "ssh logs in with an RSA key")).isFalse();
        assertThat(filter(Map.of()).allowsScenario("anything")).isTrue();
    }

    @Test
    @DisplayName("--backend container runs this machine's swtpm and Debian testing's, one row per image")
    void containerFamily() throws Exception {
        MatrixFilter f = filter(Map.of("tpmssh.backend", "container"));
        assertThat(TpmMatrixProvider.combinations(annotation("everything"), f).stream().map(c -> c.backend().label())
                .distinct()).containsExactly("container-host", "container-testing");
        assertThat(TpmMatrixProvider.combinations(annotation("everything"), filter(Map.of())))
                .extracting(c -> c.backend().label()).as("mvn verify's default run: the newer swtpm only")
                .contains("container-testing").doesNotContain("container-host", "container-trixie");
    }
}
