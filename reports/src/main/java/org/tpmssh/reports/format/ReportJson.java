package org.tpmssh.reports.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.tpmssh.reports.model.RunReport;

/** {@code report.json}: the run model as JSON; the reader refuses a schema version it does not know. */
public final class ReportJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ReportJson() {}

    public static byte[] toBytes(RunReport report) throws ReportFormatException {
        try {
            return MAPPER.writeValueAsBytes(report);
        } catch (JsonProcessingException e) {
            throw new ReportFormatException("cannot render report.json: " + e.getOriginalMessage(), e);
        }
    }

    public static void write(RunReport report, Path file) throws ReportFormatException {
        try {
            ReportFiles.writeAtomically(file, toBytes(report));
        } catch (IOException e) {
            throw new ReportFormatException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a report.json, or the report.json inside a run directory.
     *
     * @throws ReportFormatException when the file is missing, is not a report, or has a newer schema
     */
    public static RunReport read(Path fileOrRunDir) throws ReportFormatException {
        Path file = Files.isDirectory(fileOrRunDir) ? fileOrRunDir.resolve(ReportFiles.JSON) : fileOrRunDir;
        try {
            JsonNode tree = MAPPER.readTree(file.toFile());
            JsonNode version = tree == null ? null : tree.get("schemaVersion");
            if (version == null || !version.isInt()) {
                throw new ReportFormatException(file + " is not a tpmssh report.json (no schemaVersion)");
            }
            if (version.intValue() > RunReport.SCHEMA_VERSION) {
                throw new ReportFormatException(file + " has report schema version " + version.intValue()
                        + ", newer than this tpmssh reads (" + RunReport.SCHEMA_VERSION + "); use a newer tpmssh");
            }
            return MAPPER.treeToValue(tree, RunReport.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ReportFormatException("no report at " + file
                    + "; give a run directory (reports/<timestamp>) or its report.json", e);
        } catch (JsonProcessingException e) {
            throw new ReportFormatException(file + " is not a valid report.json: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ReportFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
