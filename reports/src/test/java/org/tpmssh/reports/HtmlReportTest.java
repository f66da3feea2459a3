package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tpmssh.reports.format.HtmlReport;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;

class HtmlReportTest {

    @Test
    void showsTheMatrixReasonsLatencyTablesPlotsAndEnvironment() {
        String html = HtmlReport.render(SampleReports.realistic("run-1", 1, 1.0));

        assertThat(html).contains("<table id=\"matrix\">").contains("<table id=\"latency\">")
                .contains("<table id=\"failures\">").contains("<table id=\"skips\">")
                .contains("sshd-log: <code>/tmp/run/sshd.log</code>")
                .contains("<table id=\"environment\">")
                .contains("not an RSA key")
                .contains("signature did not verify with the key in authorized_keys")
                .contains("OpenSSH_9.2p1").contains("manufacturer IBM, firmware 8217.4131.22.13.0, spec 1.59")
                .contains("<th>TPM (container-testing)</th><td>manufacturer IBM, firmware 8228.293.18.0, spec 1.59;"
                        + " swtpm 0.10.2-2, libtpms 0.10.2-5 (Debian forky, image tpmssh/swtpm:0.10.2-forky)</td>")
                .contains("swtpm 0.7.1-1.3, libtpms 0.9.2-3.1+deb12u1 (Debian bookworm, image tpmssh/swtpm:0.7.1-deb12)")
                .contains("<th>TPM (swtpm-tcp)</th><td>manufacturer IBM, firmware 8217.4131.22.13.0, spec 1.59</td>")
                .contains("raw-tpm-sign").contains("file-key-login").contains("×")
                .contains("<tr><th>package libtpm2-pkcs11-1</th><td>1.9.0-0.1+deb12u1</td></tr>")
                .contains("<tr><th>package tpm2-abrmd</th><td>3.0.0-1</td></tr>")
                .contains("<tr><th>package libtss2-esys-3.0.2-0</th><td>3.2.1-3</td></tr>");

        // One CDF per measured operation and combination (3 operations x 2 combinations), each with a baseline.
        assertThat(html.split("<svg ", -1)).hasSize(7);
        assertThat(html.split("stroke-dasharray=\"5,4\" points=", -1)).hasSize(7);
    }

    @Test
    void isSelfContained() {
        String html = HtmlReport.render(SampleReports.realistic("run-1", 1, 1.0));
        assertThat(html).doesNotContainPattern("(?i)<script|<link|src=|@import|url\\(")
                .doesNotContainPattern("https?://(?!www\\.w3\\.org/2000/svg)");
    }

    @Test
    void escapesEverythingARunCanSay() {
        Result hostile = new Result("a|<script>x</script>", Map.of(), "C", "<script>alert('s')</script>",
                "<script>n</script>", Status.FAIL, "<script>alert(\"reason\")</script>", null, null, 0,
                Map.of("sshd-log", "/tmp/<img src=x>"));
        RunReport report = new RunReport(1, "<script>id</script>", "<b>", 0, SampleReports.environment(),
                List.of(hostile), List.of());
        String html = HtmlReport.render(report);

        assertThat(html).doesNotContain("<script").doesNotContain("<img").doesNotContain("<b>")
                .contains("&lt;img src=x&gt;")
                .contains("&lt;script&gt;alert(&quot;reason&quot;)&lt;/script&gt;")
                .contains("&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt;");
    }
}
