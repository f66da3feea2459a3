package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.ReportKeys;
import org.tpmssh.reports.listener.ReportListener;
import org.tpmssh.reports.model.Environment;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;

/** Runs small suites through the real Launcher, publishing the harness's report entries, and reads the results. */
class ReportListenerTest {

    /** Publishes entries the way the harness does: TPM identity once on the class, axes per invocation. */
    @Tag("fixture")
    static class MatrixFixture {
        @BeforeAll
        static void tpm(TestReporter reporter) {
            reporter.publishEntry(Map.of("tpmssh.backend", "swtpm-tcp", "tpmssh.tpm.manufacturer", "IBM",
                    "tpmssh.tpm.firmware", "8217.4131", "tpmssh.tpm.spec", "1.59"));
        }

        @ParameterizedTest(name = "[swtpm-tcp | java | openssh | {0} | created]")
        @ValueSource(strings = {"ecc-p256", "rsa-2048", "ecc-p521"})
        @DisplayName("login with a created key")
        void login(String key, TestReporter reporter) {
            reporter.publishEntry(Map.of("tpmssh.combination", "swtpm-tcp|java|openssh|" + key + "|created",
                    "tpmssh.backend", "swtpm-tcp", "tpmssh.stack", "java", "tpmssh.server", "openssh",
                    "tpmssh.client", "openssh", "tpmssh.key", key));
            reporter.publishEntry("tpmssh.origin", "created");
            reporter.publishEntry("unrelated", "ignored");
            reporter.publishEntry("tpmssh.package.libtpm2-pkcs11-1", "1.9.0-0.1+deb12u1");
            Assumptions.assumeFalse(key.equals("ecc-p521"), "swtpm lacks ecc-p521 here");
            if (key.equals("rsa-2048")) {
                reporter.publishEntry("tpmssh.attachment.sshd-log", "/tmp/sshd-rsa.log");
                throw new AssertionError("signature did not verify with the key in authorized_keys\nsecond line");
            }
        }
    }

    /** A container backend publishes its image's labels beside the TPM identity, as the harness's ClassResources does. */
    @Tag("fixture")
    static class ContainerFixture {
        @BeforeAll
        static void tpm(TestReporter reporter) {
            reporter.publishEntry(Map.of(Axis.BACKEND.reportKey(), "container-testing",
                    ReportKeys.TPM_MANUFACTURER, "IBM", ReportKeys.TPM_FIRMWARE, "8228.293.18.0",
                    ReportKeys.TPM_SPEC, "1.59", ReportKeys.TPM_IMAGE, "tpmssh/swtpm:0.10.2-forky",
                    ReportKeys.TPM_IMAGE_DEBIAN, "forky", ReportKeys.TPM_IMAGE_SWTPM, "0.10.2-2",
                    ReportKeys.TPM_IMAGE_LIBTPMS, "0.10.2-5"));
        }

        @Test
        void login() {}
    }

    @Tag("fixture")
    static class BrokenSetupFixture {
        @BeforeAll
        static void start() {
            throw new IllegalStateException("swtpm did not start");
        }

        @Test
        void neverRuns() {}
    }

    private static ReportListener run(Class<?>... classes) {
        ReportListener listener = new ReportListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(Stream.of(classes).map(c -> selectClass(c)).toList()).build(), listener);
        return listener;
    }

    @Test
    void collectsOutcomesAxesAttachmentsAndTheTpmIdentity(TestInfo info) {
        ReportListener listener = run(MatrixFixture.class);
        List<Result> results = listener.results();

        assertThat(results).hasSize(3).allSatisfy(r -> {
            assertThat(r.scenario()).isEqualTo("login with a created key");
            assertThat(r.className()).isEqualTo(MatrixFixture.class.getName());
            assertThat(r.axes()).containsEntry("origin", "created").containsEntry("server", "openssh")
                    .containsKeys("backend", "stack", "client", "key").doesNotContainKey("unrelated");
        });
        Result pass = byKey(results, "ecc-p256");
        Result fail = byKey(results, "rsa-2048");
        Result skip = byKey(results, "ecc-p521");
        assertThat(pass.status()).isEqualTo(Status.PASS);
        assertThat(pass.combination()).isEqualTo("swtpm-tcp|java|openssh|ecc-p256|created");
        assertThat(pass.name()).isEqualTo("login with a created key [swtpm-tcp | java | openssh | ecc-p256 | created]");
        assertThat(fail.status()).isEqualTo(Status.FAIL);
        assertThat(fail.reason()).isEqualTo("signature did not verify with the key in authorized_keys");
        assertThat(fail.failureType()).isEqualTo("java.lang.AssertionError");
        assertThat(fail.detail()).contains("second line").contains("\tat ");
        assertThat(fail.attachments()).containsExactly(Map.entry("sshd-log", "/tmp/sshd-rsa.log"));
        assertThat(skip.status()).isEqualTo(Status.SKIP);
        assertThat(skip.reason()).as("without JUnit's 'Assumption failed: '").isEqualTo("swtpm lacks ecc-p521 here");

        assertThat(listener.tpms()).containsExactly(new Environment.TpmInfo("swtpm-tcp", "IBM", "8217.4131", "1.59"));
        assertThat(listener.packages()).containsExactly(Map.entry("libtpm2-pkcs11-1", "1.9.0-0.1+deb12u1"));
        RunReport report = listener.report("run", SampleReports.environment(), List.of());
        assertThat(report.schemaVersion()).isEqualTo(RunReport.SCHEMA_VERSION);
        assertThat(report.count(Status.FAIL)).isEqualTo(1);
    }

    @Test
    @DisplayName("a container backend's image and emulator versions join its TPM identity")
    void containerImageJoinsTheTpm() {
        assertThat(run(ContainerFixture.class, MatrixFixture.class).tpms()).containsExactly(
                new Environment.TpmInfo("container-testing", "IBM", "8228.293.18.0", "1.59",
                        new Environment.Image("tpmssh/swtpm:0.10.2-forky", "forky", "0.10.2-2", "0.10.2-5")),
                new Environment.TpmInfo("swtpm-tcp", "IBM", "8217.4131", "1.59"));
    }

    @Test
    void aSuiteWhoseSetupFailsIsOneFailedResult() {
        List<Result> results = run(BrokenSetupFixture.class).results();
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Status.FAIL);
            assertThat(r.reason()).isEqualTo("swtpm did not start");
            assertThat(r.combination()).isNull();
        });
    }

    private static Result byKey(List<Result> results, String key) {
        return results.stream().filter(r -> key.equals(r.axes().get("key"))).findFirst().orElseThrow();
    }
}
