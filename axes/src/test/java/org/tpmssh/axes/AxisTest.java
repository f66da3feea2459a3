package org.tpmssh.axes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The axes' names, values and defaults as users spell them in {@code -D} options; pure logic. */
class AxisTest {

    @Test
    @DisplayName("each axis is filtered by the property the README documents and reported under its own entry")
    void propertiesAndReportKeys() {
        assertThat(Axis.values()).extracting(Axis::property).containsExactly("tpmssh.backend", "tpmssh.stack",
                "tpmssh.server", "tpmssh.client", "tpmssh.keys", "tpmssh.origins");
        assertThat(Axis.values()).extracting(Axis::reportKey).containsExactly("tpmssh.backend", "tpmssh.stack",
                "tpmssh.server", "tpmssh.client", "tpmssh.key", "tpmssh.origin");
        assertThat(RunProperty.values()).extracting(RunProperty::key).containsExactly("tpmssh.scenarios",
                "tpmssh.tcti", "tpmssh.allowLabWrites", "tpmssh.keepFailureLogs", "tpmssh.latencyProfile");
    }

    @Test
    @DisplayName("values are spelled as the README's matrix table spells them, and unset filters take the defaults")
    void valuesAndDefaults() {
        assertThat(Axis.BACKEND.known()).containsExactly("swtpm-tcp", "swtpm-unix", "mssim", "device",
                "container-host", "container-testing", "container-trixie", "swtpm-as-device", "swtpm-abrmd");
        assertThat(Axis.BACKEND.defaults()).containsExactly("swtpm-tcp", "swtpm-unix", "mssim", "device",
                "container-testing");
        assertThat(Axis.STACK.parse(Optional.empty())).containsExactly("java");
        assertThat(Axis.STACK.parse(Optional.of("all"))).containsExactly("java", "tpm2-pkcs11");
        assertThat(Axis.SERVER.parse(Optional.of(" "))).containsExactly("openssh", "mina");
        assertThat(Axis.CLIENT.known()).containsExactly("ssh-agent", "mina-jca", "ssh-pkcs11");
        assertThat(Axis.CLIENT.defaults()).containsExactly("ssh-agent");
        assertThat(Axis.KEY.defaults()).containsExactly("ecc-p256", "rsa-2048");
        assertThat(Axis.KEY.parse(Optional.of("all"))).containsExactly("ecc-p256", "ecc-p384", "ecc-p521",
                "rsa-2048", "rsa-3072");
        assertThat(Axis.ORIGIN.parse(Optional.of("pinless, created,"))).containsExactly("pinless", "created");
    }

    @ParameterizedTest(name = "a misspelt {0} is one sentence naming the known values")
    @EnumSource(value = Axis.class, names = "STACK", mode = EnumSource.Mode.EXCLUDE)
    void misspeltValue(Axis axis) {
        assertThatThrownBy(() -> axis.parse(Optional.of(axis.known().get(0) + ",nonsense-9")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown " + axis.label() + " \"nonsense-9\"; choose one of "
                        + String.join(", ", axis.choices()));
    }

    @Test
    @DisplayName("container names this machine's swtpm and Debian testing's side by side; trixie is named alone")
    void containerFamily() {
        assertThat(Axis.BACKEND.families()).containsExactly(
                java.util.Map.entry("container", java.util.List.of("container-host", "container-testing")));
        assertThat(Axis.BACKEND.parse(Optional.of("container"))).containsExactly("container-host", "container-testing");
        assertThat(Axis.BACKEND.parse(Optional.of("container-trixie,container,container-host")))
                .containsExactly("container-trixie", "container-host", "container-testing");
        assertThat(Axis.BACKEND.parse(Optional.of("all"))).contains("container-trixie").doesNotContain("container");
        assertThat(Axis.BACKEND.choices()).endsWith("swtpm-as-device", "swtpm-abrmd", "container");
        assertThat(Axis.KEY.families()).isEmpty();
        assertThatThrownBy(() -> Axis.BACKEND.parse(Optional.of("containers")))
                .hasMessageEndingWith("container-trixie, swtpm-as-device, swtpm-abrmd, container");
    }

    @Test
    @DisplayName("each container backend names the image scripts/images/build.sh makes for it; no other backend has one")
    void containerImages() {
        assertThat(java.util.Arrays.stream(Backend.values()).filter(b -> b.image().isPresent()))
                .extracting(b -> b.label() + "=" + b.image().get())
                .containsExactly("container-host=host", "container-testing=testing", "container-trixie=trixie");
        assertThat(Backend.SWTPM_TCP.family()).isEmpty();
    }

    @Test
    @DisplayName("a misspelt key names the key types")
    void misspeltKey() {
        assertThatThrownBy(() -> Axis.KEY.parse(Optional.of("ecc-p999")))
                .hasMessage("unknown key \"ecc-p999\"; choose one of ecc-p256, ecc-p384, ecc-p521, rsa-2048, rsa-3072");
    }

    @Test
    @DisplayName("the stack axis stays open for stacks registered at run time")
    void stackIsOpen() {
        assertThat(Axis.STACK.parse(Optional.of("faulty-signs-wrong-data"))).containsExactly("faulty-signs-wrong-data");
    }

    @Test
    @DisplayName("a scenario that names no value applies to every value but the opt-in ones")
    void applicable() {
        assertThat(AxisValue.applicable(new Backend[0], Backend.values())).containsExactly(Backend.SWTPM_TCP,
                Backend.SWTPM_UNIX, Backend.MSSIM, Backend.DEVICE, Backend.CONTAINER_HOST, Backend.CONTAINER_TESTING,
                Backend.CONTAINER_TRIXIE, Backend.SWTPM_ABRMD);
        assertThat(AxisValue.applicable(new Client[0], Client.values())).containsExactly(Client.SSH_AGENT,
                Client.MINA_JCA);
        assertThat(AxisValue.applicable(new Client[] {Client.SSH_PKCS11}, Client.values()))
                .containsExactly(Client.SSH_PKCS11);
    }

    @Test
    @DisplayName("a combination is named after its axes, the ssh-agent client left out as before the client axis")
    void naming() {
        Combination c = new Combination(Backend.SWTPM_TCP, "java", Server.OPENSSH, Client.SSH_AGENT,
                KeyAlgorithm.ECC_P256, Origin.CREATED);
        assertThat(c.displayName()).isEqualTo("[swtpm-tcp | java | openssh | ecc-p256 | created]");
        assertThat(c.id()).isEqualTo("swtpm-tcp|java|openssh|ecc-p256|created");
        assertThat(c.reportEntries()).containsExactly(
                entry("tpmssh.combination", "swtpm-tcp|java|openssh|ecc-p256|created"),
                entry("tpmssh.backend", "swtpm-tcp"), entry("tpmssh.stack", "java"),
                entry("tpmssh.server", "openssh"), entry("tpmssh.client", "ssh-agent"),
                entry("tpmssh.key", "ecc-p256"), entry("tpmssh.origin", "created"));
        Combination mina = new Combination(Backend.MSSIM, "java", Server.MINA, Client.MINA_JCA,
                KeyAlgorithm.RSA_2048, Origin.PINLESS);
        assertThat(mina.displayName()).isEqualTo("[mssim | java | mina | mina-jca | rsa-2048 | pinless]");
        assertThat(mina.pinless()).isTrue();
    }

    private static java.util.Map.Entry<String, String> entry(String k, String v) {
        return java.util.Map.entry(k, v);
    }
}
