package org.tpmssh.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Many agent clients signing at once, beside one client and raw TPM2_Sign, in one run on one swtpm: the agent's
 * throughput under load against what the TPM itself can do. The three paths take turns in rounds, so load from
 * other processes falls on each alike. Every signature is verified by the JDK after the timed part (so verification
 * does not compete for the CPU while timing). No timing is asserted anywhere; figures are in docs/kill-and-load.md.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar org.tpmssh.bench.AgentLoad [clients] [signatures each]
 * [baseline signatures] [rounds] [pin|pinless]}.
 */
public final class AgentLoad {
    private AgentLoad() {
    }

    /** One way of signing, with its count, errors, JDK-rejected signatures, time spent and latency (µs). */
    public record Row(String path, int clients, long signatures, long errors, long unverified, long nanos,
            Histogram micros) {
        public double perSecond() {
            return signatures * 1e9 / nanos;
        }

        Row plus(Row o) {
            Histogram h = micros.copy();
            h.add(o.micros);
            return new Row(path, clients, signatures + o.signatures, errors + o.errors, unverified + o.unverified,
                    nanos + o.nanos, h);
        }
    }

    /** The rows, in the order run, and the machine's load average around the run. */
    public record Result(List<Row> rows, String loadBefore, String loadAfter) {
        public String table() {
            StringBuilder b = new StringBuilder();
            b.append("| path | clients | signatures | errors | not verified | per second | p50 µs | p95 µs | p99 µs |\n");
            b.append("|---|---|---|---|---|---|---|---|---|\n");
            for (Row r : rows) {
                b.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %.0f | %d | %d | %d |%n", r.path(),
                        r.clients(), r.signatures(), r.errors(), r.unverified(), r.perSecond(),
                        r.micros().getValueAtPercentile(50), r.micros().getValueAtPercentile(95),
                        r.micros().getValueAtPercentile(99)));
            }
            Row raw = rows.get(0);
            Row one = rows.get(1);
            Row many = rows.get(2);
            b.append(String.format(Locale.ROOT, "%d clients: %.0f %% of raw TPM2_Sign's throughput, %.0f %% of one"
                    + " client's; load average before %s, after %s%n", many.clients(),
                    100 * many.perSecond() / raw.perSecond(), 100 * many.perSecond() / one.perSecond(), loadBefore,
                    loadAfter));
            return b.toString();
        }
    }

    /**
     * In each of {@code rounds} rounds: raw TPM2_Sign ({@code baseline / rounds} times), one agent client (as many
     * signatures), then {@code clients} clients with {@code each / rounds} signatures apiece, started together.
     */
    public static Result run(int clients, int each, int baseline, int rounds, boolean pinless) throws Exception {
        String before = AgentFixture.load();
        try (AgentFixture f = AgentFixture.start(pinless)) {
            warmUp(f);
            Row raw = null;
            Row one = null;
            Row many = null;
            for (int r = 0; r < rounds; r++) {
                raw = sum(raw, raw(f, baseline / rounds));
                one = sum(one, agent(f, 1, baseline / rounds, pinless));
                many = sum(many, agent(f, clients, each / rounds, pinless));
            }
            return new Result(List.of(raw, one, many), before, AgentFixture.load());
        }
    }

    private static Row sum(Row a, Row b) {
        return a == null ? b : a.plus(b);
    }

    private static void warmUp(AgentFixture f) throws Exception {
        try (AgentFixture.Client c = f.client()) {
            for (int i = 0; i < 200; i++) {
                c.sign(AgentFixture.DATA);
                f.rawSign();
            }
        }
    }

    private static Row raw(AgentFixture f, int count) throws Exception {
        Histogram h = new Histogram(3);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long t = System.nanoTime();
            f.rawSign();
            h.recordValue((System.nanoTime() - t) / 1000);
        }
        return new Row("raw TPM2_Sign (password session, PIN-less key)", 1, count, 0, 0, System.nanoTime() - start, h);
    }

    private static Row agent(AgentFixture f, int clients, int each, boolean pinless) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong errors = new AtomicLong();
        List<Future<Client>> results = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                int id = c;
                results.add(pool.submit(() -> {
                    Client out = new Client(each);
                    try (AgentFixture.Client agent = f.client()) {
                        ready.countDown();
                        go.await();
                        for (int i = 0; i < each; i++) {
                            byte[] data = (id + ":" + i + ":" + new String(AgentFixture.DATA)).getBytes();
                            long t = System.nanoTime();
                            try {
                                out.signatures[i] = agent.sign(data);
                                out.micros.recordValue((System.nanoTime() - t) / 1000);
                            } catch (java.io.IOException e) {
                                errors.incrementAndGet();
                            }
                            out.data[i] = data;
                        }
                    } finally {
                        ready.countDown();
                    }
                    return out;
                }));
            }
            ready.await(60, TimeUnit.SECONDS);
            long start = System.nanoTime();
            go.countDown();
            List<Client> done = new ArrayList<>();
            for (Future<Client> r : results) {
                done.add(r.get(30, TimeUnit.MINUTES));
            }
            long nanos = System.nanoTime() - start;
            Histogram all = new Histogram(3);
            long unverified = 0;
            for (Client c : done) {
                all.add(c.micros);
                for (int i = 0; i < each; i++) {
                    if (c.signatures[i] != null && !f.verifies(c.signatures[i], c.data[i])) {
                        unverified++;
                    }
                }
            }
            return new Row(pinless ? "agent sign request, ECDSA P-256 PIN-less key (password session)"
                    : "agent sign request, ECDSA P-256 PIN key (HMAC session)", clients, (long) clients * each,
                    errors.get(), unverified, nanos, all);
        } finally {
            pool.shutdownNow();
        }
    }

    /** What one client collected: signatures to verify afterwards and its latencies. */
    private static final class Client {
        final byte[][] signatures;
        final byte[][] data;
        final Histogram micros = new Histogram(3);

        Client(int n) {
            signatures = new byte[n][];
            data = new byte[n][];
        }
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int each = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int baseline = args.length > 2 ? Integer.parseInt(args[2]) : 5000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        boolean pinless = args.length > 4 && args[4].equals("pinless");
        System.out.print(run(clients, each, baseline, rounds, pinless).table());
    }
}
