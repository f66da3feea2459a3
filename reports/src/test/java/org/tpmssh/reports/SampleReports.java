package org.tpmssh.reports;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tpmssh.reports.latency.LatencyRecorder;
import org.tpmssh.reports.model.Environment;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;

/** Reports with the shape of a real run, built from recorded samples, for the writers' tests. */
final class SampleReports {
    static final String P256 = "swtpm-tcp|java|openssh|ecc-p256|created";
    static final String RSA = "swtpm-tcp|java|mina|rsa-2048|created";
    /** Versions as Debian 12's dpkg prints them. */
    static final Map<String, String> PACKAGES = Map.of("libtpm2-pkcs11-1", "1.9.0-0.1+deb12u1", "tpm2-abrmd",
            "3.0.0-1", "libtss2-esys-3.0.2-0", "3.2.1-3", "openssh-client", "1:9.2p1-2+deb12u10");

    private SampleReports() {}

    static Environment environment() {
        return new Environment("Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64", "Eclipse Adoptium 17.0.12+7",
                "OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024", "TPM emulator version 0.7.3",
                "3.2.1-3 (libtss2-esys-3.0.2-0)",
                List.of(new Environment.TpmInfo("swtpm-tcp", "IBM", "8217.4131.22.13.0", "1.59"),
                        new Environment.TpmInfo("container-host", "IBM", "8217.4131.22.13878", "1.59",
                                new Environment.Image("tpmssh/swtpm:0.7.1-deb12", "bookworm", "0.7.1-1.3",
                                        "0.9.2-3.1+deb12u1")),
                        new Environment.TpmInfo("container-testing", "IBM", "8228.293.18.0", "1.59",
                                new Environment.Image("tpmssh/swtpm:0.10.2-forky", "forky", "0.10.2-2", "0.10.2-5"))),
                PACKAGES);
    }

    static Result result(String combination, String scenario, Status status, String reason) {
        String[] axes = combination.split("\\|");
        return new Result(combination,
                Map.of("backend", axes[0], "stack", axes[1], "server", axes[2], "key", axes[3], "origin", axes[4]),
                "org.tpmssh.scenarios.LoginTest", scenario, scenario + " [" + combination.replace("|", " | ") + "]",
                status, reason, status == Status.FAIL ? "org.opentest4j.AssertionFailedError" : null,
                status == Status.FAIL ? "org.opentest4j.AssertionFailedError: " + reason + "\n\tat Login.run" : null,
                1234, status == Status.FAIL ? Map.of("sshd-log", "/tmp/run/sshd.log") : Map.of());
    }

    /** A recorder filled with lognormal-ish samples around the medians measured on swtpm here. */
    static LatencyRecorder latency(long seed, double scale) {
        LatencyRecorder rec = new LatencyRecorder();
        Random random = new Random(seed);
        for (String c : List.of(P256, RSA)) {
            double rsa = c.contains("rsa") ? 3.0 : 1.0;
            sample(rec, random, c, LatencyRecorder.RAW_TPM_SIGN, 2.1e6 * rsa, 60);
            sample(rec, random, c, LatencyRecorder.TPM_SIGN, 2.6e6 * rsa * scale, 60);
            sample(rec, random, c, LatencyRecorder.AGENT_SIGN, 3.0e6 * rsa * scale, 40);
            sample(rec, random, c, LatencyRecorder.FILE_KEY_LOGIN, 95e6, 10);
            sample(rec, random, c, LatencyRecorder.LOGIN, 110e6 * scale, 10);
        }
        return rec;
    }

    private static void sample(LatencyRecorder rec, Random random, String c, String op, double median, int n) {
        for (int i = 0; i < n; i++) {
            rec.record(c, op, (long) (median * Math.exp(0.15 * random.nextGaussian())));
        }
    }

    static RunReport realistic(String runId, long seed, double latencyScale) {
        List<Result> results = List.of(
                result(P256, "login with a created key", Status.PASS, null),
                result(RSA, "login with a created key", Status.PASS, null),
                result(P256, "a wrong PIN is refused and counted", Status.PASS, null),
                result(RSA, "a wrong PIN is refused and counted", Status.FAIL,
                        "signature did not verify with the key in authorized_keys"),
                result(P256, "rsa-sha2-512 is negotiated", Status.SKIP, "not an RSA key"),
                result(RSA, "rsa-sha2-512 is negotiated", Status.PASS, null));
        return new RunReport(RunReport.SCHEMA_VERSION, runId, "2026-11-28T04:00:00Z", 42_000, environment(),
                results, latency(seed, latencyScale).snapshot());
    }
}
