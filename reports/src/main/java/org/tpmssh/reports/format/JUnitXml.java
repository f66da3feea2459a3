package org.tpmssh.reports.format;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import org.tpmssh.reports.model.Environment;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;

/**
 * {@code junit.xml} in the shape Surefire writes, which CI systems ingest: one {@code testsuite}, the environment as
 * properties, one {@code testcase} per result.
 */
public final class JUnitXml {

    private JUnitXml() {}

    public static byte[] toBytes(RunReport report) throws ReportFormatException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(bytes, "UTF-8");
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuite");
            x.writeAttribute("name", "tpmssh conformance");
            x.writeAttribute("time", seconds(report.durationMillis()));
            x.writeAttribute("tests", String.valueOf(report.results().size()));
            x.writeAttribute("errors", "0");
            x.writeAttribute("skipped", String.valueOf(report.count(Status.SKIP)));
            x.writeAttribute("failures", String.valueOf(report.count(Status.FAIL)));
            x.writeCharacters("\n  ");
            x.writeStartElement("properties");
            for (Map.Entry<String, String> p : properties(report).entrySet()) {
                x.writeCharacters("\n    ");
                x.writeEmptyElement("property");
                x.writeAttribute("name", clean(p.getKey()));
                x.writeAttribute("value", clean(p.getValue()));
            }
            x.writeCharacters("\n  ");
            x.writeEndElement();
            for (Result r : report.results()) {
                x.writeCharacters("\n  ");
                testcase(x, r);
            }
            x.writeCharacters("\n");
            x.writeEndElement();
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new ReportFormatException("cannot render junit.xml: " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    private static void testcase(XMLStreamWriter x, Result r) throws XMLStreamException {
        boolean empty = r.status() == Status.PASS && r.attachments().isEmpty();
        if (empty) {
            x.writeEmptyElement("testcase");
        } else {
            x.writeStartElement("testcase");
        }
        x.writeAttribute("name", clean(r.name()));
        if (r.className() != null) {
            x.writeAttribute("classname", clean(r.className()));
        }
        x.writeAttribute("time", seconds(r.durationMillis()));
        if (empty) {
            return;
        }
        if (r.status() == Status.FAIL) {
            x.writeStartElement("failure");
            if (r.reason() != null) {
                x.writeAttribute("message", clean(r.reason()));
            }
            x.writeAttribute("type", clean(r.failureType() == null ? "java.lang.AssertionError" : r.failureType()));
            if (r.detail() != null) {
                x.writeCharacters(clean(r.detail()));
            }
            x.writeEndElement();
        } else if (r.status() == Status.SKIP) {
            x.writeStartElement("skipped");
            if (r.reason() != null) {
                x.writeAttribute("message", clean(r.reason()));
            }
            x.writeEndElement();
        }
        if (!r.attachments().isEmpty()) {
            // The Jenkins JUnit attachments convention, the usual way CI finds files kept for a test.
            x.writeStartElement("system-out");
            StringBuilder out = new StringBuilder();
            r.attachments().forEach((name, path) -> out.append("[[ATTACHMENT|").append(path).append("]]\n"));
            x.writeCharacters(clean(out.toString()));
            x.writeEndElement();
        }
        x.writeEndElement();
    }

    private static Map<String, String> properties(RunReport report) {
        Map<String, String> p = new TreeMap<>();
        Environment e = report.environment();
        put(p, "tpmssh.run.id", report.runId());
        put(p, "tpmssh.run.startedAt", report.startedAt());
        put(p, "tpmssh.report.schemaVersion", String.valueOf(report.schemaVersion()));
        put(p, "os", e.os());
        put(p, "kernel", e.kernel());
        put(p, "java", e.java());
        put(p, "openssh", e.openssh());
        put(p, "swtpm", e.swtpm());
        put(p, "tpm2-tss", e.tpm2Tss());
        e.packages().forEach((name, version) -> put(p, "package." + name, version));
        for (Environment.TpmInfo t : e.tpms()) {
            put(p, "tpm." + t.backend() + ".manufacturer", t.manufacturer());
            put(p, "tpm." + t.backend() + ".firmware", t.firmware());
            put(p, "tpm." + t.backend() + ".spec", t.spec());
            if (t.image() != null) {
                put(p, "tpm." + t.backend() + ".image", t.image().name());
                put(p, "tpm." + t.backend() + ".image.debian", t.image().debianRelease());
                put(p, "tpm." + t.backend() + ".image.swtpm", t.image().swtpm());
                put(p, "tpm." + t.backend() + ".image.libtpms", t.image().libtpms());
            }
        }
        return p;
    }

    private static void put(Map<String, String> p, String key, String value) {
        if (value != null) {
            p.put(key, value);
        }
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }

    /** Replaces the characters XML 1.0 cannot carry, even escaped, with U+FFFD. */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            boolean ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF)
                    || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
            b.appendCodePoint(ok ? c : 0xFFFD);
        });
        return b.toString();
    }
}
