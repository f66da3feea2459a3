package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.reports.format.ReportFiles;

/** report.html as a browser shows it: headless Chromium renders it to a PNG and dumps its DOM. */
class ChromiumRenderTest {

    @TempDir Path dir;

    private static Optional<Path> chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
                Path candidate = Path.of(p, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** Runs chromium headless with its own profile dir and returns stdout; the process is always reaped. */
    private String chromium(Path exe, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + dir.resolve("profile"), "--no-first-run"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("chromium.out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(dir.resolve("chromium.err").toFile()).start();
        try {
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("chromium finished in 90 s").isTrue();
            assertThat(p.exitValue()).as(Files.readString(dir.resolve("chromium.err"))).isZero();
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void headlessChromiumShowsTheMatrixAndALatencyPlot() throws Exception {
        Optional<Path> exe = chromium();
        Assumptions.assumeTrue(exe.isPresent(), "chromium is not installed (Debian package: chromium)");
        Path run = dir.resolve("run");
        ReportFiles.writeAll(run, SampleReports.realistic("2026-11-28T04-00-00", 1, 1.0), false);
        String url = run.resolve("report.html").toUri().toString();

        Path png = dir.resolve("report.png");
        chromium(exe.get(), "--screenshot=" + png, "--window-size=1200,1600", url);
        assertThat(png).exists();
        assertThat(distinctColours(png)).as("a rendered page, not a blank one").isGreaterThan(20);

        String dom = chromium(exe.get(), "--dump-dom", url);
        assertThat(dom).contains("<table id=\"matrix\">").contains("<svg").contains("<polyline")
                .contains("login with a created key");
    }

    private static int distinctColours(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
