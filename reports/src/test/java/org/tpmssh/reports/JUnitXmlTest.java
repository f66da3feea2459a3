package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.Test;
import org.tpmssh.reports.format.JUnitXml;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;
import org.w3c.dom.Document;

/** junit.xml against the schema Surefire's own reports follow (a test resource; its source URL is inside). */
class JUnitXmlTest {

    private static void validate(byte[] xml) throws Exception {
        SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        factory.newSchema(JUnitXmlTest.class.getResource("/surefire-test-report-3.0.xsd"))
                .newValidator().validate(new StreamSource(new ByteArrayInputStream(xml)));
    }

    @Test
    void validatesAgainstTheSurefireSchemaAndCountsEachOutcome() throws Exception {
        RunReport report = SampleReports.realistic("run", 1, 1.0);
        byte[] xml = JUnitXml.toBytes(report);

        validate(xml);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        var suite = doc.getDocumentElement();
        assertThat(suite.getAttribute("tests")).isEqualTo("6");
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        assertThat(suite.getAttribute("skipped")).isEqualTo("1");
        assertThat(doc.getElementsByTagName("failure").item(0).getAttributes().getNamedItem("message").getNodeValue())
                .isEqualTo("signature did not verify with the key in authorized_keys");
        assertThat(new String(xml, "UTF-8")).contains("[[ATTACHMENT|/tmp/run/sshd.log]]")
                .contains("name=\"tpm.swtpm-tcp.manufacturer\" value=\"IBM\"")
                .doesNotContain("tpm.swtpm-tcp.image");
        Map<String, String> properties = new java.util.HashMap<>();
        var nodes = doc.getElementsByTagName("property");
        for (int i = 0; i < nodes.getLength(); i++) {
            var a = nodes.item(i).getAttributes();
            properties.put(a.getNamedItem("name").getNodeValue(), a.getNamedItem("value").getNodeValue());
        }
        assertThat(properties).as("each container TPM's image and emulator versions, beside its firmware")
                .containsEntry("tpm.container-testing.firmware", "8228.293.18.0")
                .containsEntry("tpm.container-testing.image", "tpmssh/swtpm:0.10.2-forky")
                .containsEntry("tpm.container-testing.image.debian", "forky")
                .containsEntry("tpm.container-testing.image.swtpm", "0.10.2-2")
                .containsEntry("tpm.container-testing.image.libtpms", "0.10.2-5")
                .containsEntry("tpm.container-host.image.swtpm", "0.7.1-1.3")
                .containsEntry("tpm.container-host.image.libtpms", "0.9.2-3.1+deb12u1");
    }

    @Test
    void thePackageVersionsAreProperties() throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(
                JUnitXml.toBytes(SampleReports.realistic("run", 1, 1.0))));
        Map<String, String> properties = new java.util.HashMap<>();
        var nodes = doc.getElementsByTagName("property");
        for (int i = 0; i < nodes.getLength(); i++) {
            var a = nodes.item(i).getAttributes();
            properties.put(a.getNamedItem("name").getNodeValue(), a.getNamedItem("value").getNodeValue());
        }
        assertThat(properties).containsEntry("package.libtpm2-pkcs11-1", "1.9.0-0.1+deb12u1")
                .containsEntry("package.tpm2-abrmd", "3.0.0-1").containsEntry("package.libtss2-esys-3.0.2-0", "3.2.1-3")
                .containsEntry("package.openssh-client", "1:9.2p1-2+deb12u10");
    }

    @Test
    void hostileTextStaysWellFormedAndValid() throws Exception {
        Result r = new Result(null, Map.of(), "C", "s", "<script>alert(1)</script> \u0001 & \"q\"", Status.FAIL,
                "]]> <b>\u0000", null, "trace \u001b[31m", 0, Map.of());
        RunReport report = new RunReport(1, "run", "now", 0, SampleReports.environment(), List.of(r), List.of());
        byte[] xml = JUnitXml.toBytes(report);

        validate(xml);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        assertThat(doc.getElementsByTagName("testcase").item(0).getAttributes().getNamedItem("name").getNodeValue())
                .startsWith("<script>alert(1)</script>");
    }
}
