import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Lifeboat's benchmark harness: every Lifeboat operation against its stock-tool equivalent, run alternately
 * (A B A B …) as whole processes on the same data, reported as min/median/max wall time, CPU time and peak RSS,
 * and the median of the per-pair ratios. Run it through {@code bench/run.sh} (which checks the tools, builds the
 * CLI jar and fetches S3Proxy); see docs/benchmarks.md.
 *
 * <p>It never prints a figure it did not measure: a command that fails, a tool that is missing or a check that
 * does not hold ends the run with a non-zero exit code.
 */
public final class Bench {
    static final String DATA_VERSION = "lifeboat-bench-data-v1";
    static final String ACCESS_KEY = "bench-access";
    static final String SECRET_KEY = "bench-secret-key";

    // settings
    static int scale = 1;
    static int pairs = 5;
    static int retries = 1;
    static Path repo;
    static Path work;
    static Path jar;
    /** The launcher script next to the jar ({@code cli/target/lifeboat}), or null for a jar built without one. */
    static Path launcher;
    static Path s3jar;
    static Path resultsFile;
    static Set<String> only = new LinkedHashSet<>();
    static String pgHost = env("PGHOST", "127.0.0.1");
    static String pgPort = env("PGPORT", "5432");
    static String pgUser = env("PGUSER", "postgres");

    static final List<String> ALL = List.of("pg", "files", "encrypted", "s3", "pg-restore", "files-restore", "rss", "extras");
    static final Map<String, Result> results = new LinkedHashMap<>();
    static final List<String> rssLines = new ArrayList<>();
    /** The issue's targets on a 2-core machine: comparison id → the largest acceptable median wall ratio. */
    static final Map<String, Double> TARGETS = new LinkedHashMap<>();
    static {
        TARGETS.put("pg", 1.10);
        TARGETS.put("files", 1.00);
        TARGETS.put("encrypted", 1.10);
        TARGETS.put("pg-restore", 1.10);
    }
    /** 256 MB (10^6 bytes) in MiB, the issue's ceiling on a backup's peak RSS. */
    static final double RSS_LIMIT_MIB = 256e6 / (1 << 20);
    static final double RSS_GROWTH_PERCENT = 10;
    static final List<String> notes = new ArrayList<>();
    static Process s3proxy;
    static volatile Process current;
    static int s3port;

    public static void main(String[] args) throws Exception {
        // S3Proxy must not outlive the bench, however it ends (System.exit skips finally blocks)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Process p = current;
            if (p != null) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
            }
            if (s3proxy != null) {
                s3proxy.destroy();
            }
        }));
        try {
            run(args);
        } catch (Failure f) {
            System.err.println();
            System.err.println("bench: " + f.getMessage());
            System.err.println("bench: stopped; no figure is reported for what could not be measured.");
            System.exit(f.exit);
        }
    }

    static void run(String[] args) throws Exception {
        parse(args);
        Files.createDirectories(work.resolve("logs"));
        Files.createDirectories(work.resolve("out"));
        requireTools();
        Machine machine = Machine.read();
        System.out.println(machine.describe());
        System.out.printf("scale %d: %s; %d pairs after 1 warm-up pair; work dir %s%n%n", scale, Data.describe(scale), pairs, work);

        Data.ensure(scale);
        Keys.ensure();
        Configs.write();

        for (String id : ALL) {
            if (!only.isEmpty() && !only.contains(id)) {
                continue;
            }
            switch (id) {
                case "pg" -> pgBackup();
                case "files" -> filesBackup();
                case "encrypted" -> encryptedBackup();
                case "s3" -> s3Backup();
                case "pg-restore" -> pgRestore();
                case "files-restore" -> filesRestore();
                case "rss" -> rssScaling();
                case "extras" -> extras();
                default -> throw new Failure(2, "unknown comparison " + id);
            }
        }
        String report = Report.markdown(machine);
        System.out.println();
        System.out.println(report);
        Files.writeString(resultsFile, report);
        System.out.println("written to " + resultsFile);
    }

    // ---------------------------------------------------------------------------------------------------------
    // the comparisons

    static void pgBackup() {
        Path store = work.resolve("stores/pg");
        compare("pg", "PostgreSQL backup",
                new Cmd("lifeboat backup (pg_dump -Fc + validation, SHA-256, row counts, manifest; local store)",
                        lifeboat("pg.properties", "backup"), () -> clean(store)),
                new Cmd("pg_dump -Fc -f FILE", "pg_dump -Fc -f " + out("db.dump") + " " + db(scale),
                        () -> rm(work.resolve("out/db.dump"))));
    }

    static void filesBackup() {
        Path store = work.resolve("stores/files");
        compare("files", "Files backup (zstd -1, 2 workers)",
                new Cmd("lifeboat backup (tar + zstd level 1, 2 workers, SHA-256, manifest; local store)",
                        lifeboat("files.properties", "backup"), () -> clean(store)),
                new Cmd("tar -cf - DIR | zstd -1 -T2 > FILE", tarZstd(Data.tree(scale), "") + " > " + out("files.tar.zst"),
                        () -> rm(work.resolve("out/files.tar.zst"))));
    }

    static void encryptedBackup() {
        Path store = work.resolve("stores/enc");
        compare("encrypted", "Encrypted files backup (zstd -1, 2 workers, age)",
                new Cmd("lifeboat backup, encrypted to one age recipient",
                        lifeboat("files-enc.properties", "backup"), () -> clean(store)),
                new Cmd("tar -cf - DIR | zstd -1 -T2 | age -r R > FILE",
                        tarZstd(Data.tree(scale), "") + " | age -r " + Keys.recipient + " > " + out("files.tar.zst.age"),
                        () -> rm(work.resolve("out/files.tar.zst.age"))));
    }

    static void s3Backup() {
        startS3Proxy();
        Path bucket = work.resolve("s3/bench");
        Path store = work.resolve("stores/files");
        long[] cpu = new long[1];
        List<Double> proxyCpu = new ArrayList<>();
        Cmd s3 = new Cmd("lifeboat backup to S3 (S3Proxy on loopback, filesystem backend)",
                lifeboat("files-s3.properties", "backup"), () -> {
                    cleanContents(bucket);
                    cpu[0] = procCpuTicks(s3proxy.pid());
                });
        double ticksPerSecond = Double.parseDouble(capture("getconf CLK_TCK"));
        s3.after = () -> proxyCpu.add((procCpuTicks(s3proxy.pid()) - cpu[0]) / ticksPerSecond);
        compare("s3", "Files backup to S3 vs to a local store",
                s3, new Cmd("the same lifeboat backup to a local store", lifeboat("files.properties", "backup"), () -> clean(store)));
        Result r = results.get("s3");
        List<Double> measured = proxyCpu.subList(Math.max(0, proxyCpu.size() - pairs), proxyCpu.size());
        r.note = String.format(Locale.ROOT, "S3Proxy's own CPU per backup (not in the figures above): median %.2f s.",
                median(measured));
    }

    static void pgRestore() {
        // one Lifeboat backup to restore from; the stock side restores the very same dump file
        Path store = work.resolve("stores/pg-restore-s" + scale); // seeded once per scale
        if (find(store, "db-main.pgdump") == null) {
            clean(store);
            exec("seed the restore store", lifeboat("pg-restore.properties", "backup"));
        }
        Path dump = find(store, "db-main.pgdump");
        String target = "lb_bench_restore";
        Runnable fresh = () -> exec("recreate the empty target database", "dropdb --if-exists " + target + " && createdb " + target);
        compare("pg-restore", "PostgreSQL restore into an empty database",
                new Cmd("lifeboat restore --database (verifies SHA-256 as it streams, compares row counts)",
                        lifeboat("pg-restore.properties", "restore latest --database main --to-url "
                                + jdbc(target)), fresh),
                new Cmd("pg_restore --no-owner --no-acl --exit-on-error --single-transaction -d DB FILE",
                        "pg_restore --no-owner --no-acl --exit-on-error --single-transaction -d " + target + " " + dump, fresh));
        results.get("pg-restore").note = "Both sides run pg_restore with the flags Lifeboat uses (one transaction, no owners"
                + " or ACLs) on the same dump; Lifeboat streams it from the store through its hash check into pg_restore's"
                + " stdin, the stock side reads the file.";
    }

    static void filesRestore() {
        Path store = work.resolve("stores/files-restore-s" + scale); // seeded once per scale
        if (find(store, "files-uploads.tar.zst") == null) {
            clean(store);
            exec("seed the restore store", lifeboat("files-restore.properties", "backup"));
        }
        Path part = find(store, "files-uploads.tar.zst");
        Path dir = work.resolve("restore/files");
        Runnable fresh = () -> {
            rmTree(dir);
            exec("sync", "mkdir -p " + dir.getParent() + " && sync");
        };
        compare("files-restore", "Files restore",
                new Cmd("lifeboat restore --files (verifies SHA-256, safe extraction into a staging dir)",
                        lifeboat("files-restore.properties", "restore latest --files uploads --to-dir " + dir), fresh),
                new Cmd("zstd -dc FILE | tar -xf - -C DIR",
                        "mkdir -p " + dir + " && zstd -dc " + part + " | tar -xf - -C " + dir, fresh));
    }

    /**
     * Peak RSS of a backup at 1× and 4× data: memory must not grow with the data. Measured with the JVM's defaults
     * (what {@code lifeboat} and {@code java -jar lifeboat.jar} get: on a big machine G1 lets the young generation grow to hundreds of MiB
     * of garbage before collecting) and with the heap capped at 64 MiB, which shows what Lifeboat itself needs.
     */
    static void rssScaling() {
        int base = Math.max(1, scale / 4);
        int big = base * 4;
        Data.ensure(base);
        Data.ensure(big);
        for (String jvm : List.of("", "-Xmx64m")) {
            for (String kind : List.of("files", "pg")) {
                List<Double> small = new ArrayList<>();
                List<Double> large = new ArrayList<>();
                String cfgSmall = Configs.writeScaled(kind, base);
                String cfgLarge = Configs.writeScaled(kind, big);
                Path storeSmall = work.resolve("stores/rss-" + kind + "-" + base);
                Path storeLarge = work.resolve("stores/rss-" + kind + "-" + big);
                int runs = Math.max(3, (pairs + 1) / 2);
                waitQuiet();
                for (int i = 0; i <= runs; i++) { // the first pair warms up
                    clean(storeSmall);
                    Measure a = measure("rss-" + kind, lifeboat(jvm, cfgSmall, "backup"));
                    clean(storeLarge);
                    Measure b = measure("rss-" + kind, lifeboat(jvm, cfgLarge, "backup"));
                    if (i > 0) {
                        small.add(a.rssMiB);
                        large.add(b.rssMiB);
                    }
                }
                double s = median(small);
                double l = median(large);
                double growth = (l - s) / s * 100;
                String what = (kind.equals("pg") ? "PostgreSQL" : "Files") + " backup, "
                        + (jvm.isEmpty() ? "JVM defaults" : "with " + jvm);
                String verdict = growth < RSS_GROWTH_PERCENT && l <= RSS_LIMIT_MIB ? "flat" : "**not flat**";
                rssLines.add(String.format(Locale.ROOT, "| %s | %d (%s) | %.0f (%.0f–%.0f) | %d (%s) | %.0f (%.0f–%.0f) | %+.1f %% | %s |",
                        what, base, Data.size(kind, base), s, min(small), max(small),
                        big, Data.size(kind, big), l, min(large), max(large), growth, verdict));
                System.out.printf(Locale.ROOT, "rss %-45s scale %d: %.0f MiB   scale %d: %.0f MiB   growth %+.1f %%%n", what, base, s, big, l, growth);
            }
        }
    }

    /** What Lifeboat's extras cost, each measured against the plain stock command or a stock command doing the same. */
    static void extras() {
        Path store = work.resolve("stores/pg");
        compare("pg-norows", "PostgreSQL backup without exact row counts",
                new Cmd("lifeboat backup with lifeboat.databases.main.row-counts=false",
                        lifeboat("pg-norows.properties", "backup"), () -> clean(store)),
                new Cmd("pg_dump -Fc -f FILE", "pg_dump -Fc -f " + out("db.dump") + " " + db(scale),
                        () -> rm(work.resolve("out/db.dump"))));
        compare("pg-validated", "PostgreSQL backup vs a stock pipeline that validates too",
                new Cmd("lifeboat backup", lifeboat("pg.properties", "backup"), () -> clean(store)),
                new Cmd("pg_dump -Fc | tee FILE | pg_restore -f /dev/null",
                        "pg_dump -Fc " + db(scale) + " | tee " + out("db.dump") + " | pg_restore -f /dev/null",
                        () -> rm(work.resolve("out/db.dump"))));
        Path files = work.resolve("stores/files");
        compare("files-hashed", "Files backup vs a stock pipeline that hashes too",
                new Cmd("lifeboat backup (files)", lifeboat("files.properties", "backup"), () -> clean(files)),
                new Cmd("tar | zstd -1 -T2 | tee FILE | openssl dgst -sha256",
                        tarZstd(Data.tree(scale), "") + " | tee " + out("files.tar.zst") + " | openssl dgst -sha256 > "
                                + out("files.sha256"), () -> rm(work.resolve("out/files.tar.zst"))));
        Path enc = work.resolve("stores/enc");
        compare("encrypted-hashed", "Encrypted backup vs a stock pipeline that hashes the plaintext and the ciphertext too",
                new Cmd("lifeboat backup, encrypted to one age recipient", lifeboat("files-enc.properties", "backup"),
                        () -> clean(enc)),
                new Cmd("tar | zstd -1 -T2 | tee FIFO | age -r R | tee FILE | openssl dgst -sha256, openssl dgst -sha256 < FIFO",
                        "rm -f " + out("plain.fifo") + " && mkfifo " + out("plain.fifo") + " && { openssl dgst -sha256 < "
                                + out("plain.fifo") + " > " + out("plain.sha256") + " & } && " + tarZstd(Data.tree(scale), "")
                                + " | tee " + out("plain.fifo") + " | age -r " + Keys.recipient + " | tee " + out("files.tar.zst.age")
                                + " | openssl dgst -sha256 > " + out("stored.sha256") + " && wait",
                        () -> rm(work.resolve("out/files.tar.zst.age"))));
        compare("pg-fsync", "pg_dump with the file made durable (what LocalStore does: fsync, rename, fsync dir)",
                new Cmd("pg_dump -Fc -f FILE && sync FILE", "pg_dump -Fc -f " + out("db.dump") + " " + db(scale)
                        + " && sync " + out("db.dump"), () -> rm(work.resolve("out/db.dump"))),
                new Cmd("pg_dump -Fc -f FILE", "pg_dump -Fc -f " + out("db.dump") + " " + db(scale),
                        () -> rm(work.resolve("out/db.dump"))));
        newerJdk();
        List<Measure> jvm = new ArrayList<>();
        for (int i = 0; i <= pairs; i++) {
            Measure m = measure("jvm", lifeboatOn("", "", "--version"));
            if (i > 0) {
                jvm.add(m);
            }
        }
        Result r = new Result("jvm", "JVM start-up: lifeboat --version", null, null);
        r.single = jvm;
        results.put("jvm", r);
    }

    /**
     * The encrypted backup with Lifeboat on a newer JDK (≥ 21), where the JDK's ChaCha20-Poly1305 is compiled to
     * vector instructions: on JDK 17 that cipher runs at ≈ 200 MB/s per core and is most of the encrypted ratio.
     * The JDK comes from {@code BENCH_NEWER_JAVA} (a {@code java} binary) or the newest one under /usr/lib/jvm.
     */
    static void newerJdk() {
        String java = env("BENCH_NEWER_JAVA", "");
        if (java.isEmpty()) {
            java = newestJdk(21);
        }
        if (java.isEmpty() || !Files.isExecutable(Path.of(java))) {
            System.out.println("extras: no JDK 21 or newer found (set BENCH_NEWER_JAVA); the encrypted backup on a newer JDK"
                    + " is not measured");
            return;
        }
        String version = capture(java + " -version 2>&1 | head -1");
        Path store = work.resolve("stores/enc");
        compare("encrypted-newer-jdk", "Encrypted files backup, Lifeboat on " + version,
                new Cmd("lifeboat backup, encrypted to one age recipient (" + java + ")",
                        lifeboatOn(Path.of(java).toAbsolutePath().getParent().getParent().toString(), "",
                                "--config " + work.resolve("files-enc.properties") + " backup"), () -> clean(store)),
                new Cmd("tar -cf - DIR | zstd -1 -T2 | age -r R > FILE",
                        tarZstd(Data.tree(scale), "") + " | age -r " + Keys.recipient + " > " + out("files.tar.zst.age"),
                        () -> rm(work.resolve("out/files.tar.zst.age"))));
    }

    /** The {@code java} of the newest JDK under /usr/lib/jvm whose major version is at least {@code min}, or "". */
    static String newestJdk(int min) {
        String best = "";
        int bestMajor = min - 1;
        try (var dirs = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path d : dirs.toList()) {
                Path release = d.resolve("release");
                if (!Files.isRegularFile(release) || !Files.isExecutable(d.resolve("bin/java"))) {
                    continue;
                }
                for (String line : Files.readAllLines(release)) {
                    var m = java.util.regex.Pattern.compile("^JAVA_VERSION=\"(\\d+)").matcher(line);
                    if (m.find() && Integer.parseInt(m.group(1)) > bestMajor) {
                        bestMajor = Integer.parseInt(m.group(1));
                        best = d.resolve("bin/java").toString();
                    }
                }
            }
        } catch (IOException e) {
            return "";
        }
        return best;
    }

    // ---------------------------------------------------------------------------------------------------------
    // running and measuring

    static final class Cmd {
        final String label;
        final String shell;
        final Runnable before;
        Runnable after = () -> {};

        Cmd(String label, String shell, Runnable before) {
            this.label = label;
            this.shell = shell;
            this.before = before;
        }
    }

    record Measure(double wall, double cpu, double rssMiB) {}

    static final class Result {
        final String id;
        final String title;
        final Cmd a;
        final Cmd b;
        List<Measure> ma = new ArrayList<>();
        List<Measure> mb = new ArrayList<>();
        List<Measure> single;
        int attempts = 1;
        String note;

        Result(String id, String title, Cmd a, Cmd b) {
            this.id = id;
            this.title = title;
            this.a = a;
            this.b = b;
        }

        List<Double> ratios() {
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < ma.size(); i++) {
                r.add(ma.get(i).wall / mb.get(i).wall);
            }
            return r;
        }

        List<Double> cpuRatios() {
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < ma.size(); i++) {
                r.add(ma.get(i).cpu / mb.get(i).cpu);
            }
            return r;
        }

        double spread() {
            return Math.max(spread(ma), spread(mb));
        }

        static double spread(List<Measure> m) {
            List<Double> w = m.stream().map(Measure::wall).toList();
            return (max(w) - min(w)) / median(w);
        }
    }

    static void compare(String id, String title, Cmd a, Cmd b) {
        Result best = null;
        for (int attempt = 1; attempt <= 1 + retries; attempt++) {
            System.out.printf("== %s%s%n   A: %s%n   B: %s%n", title, attempt > 1 ? " (again: the last attempt was disturbed)" : "",
                    a.label, b.label);
            Result r = new Result(id, title, a, b);
            r.attempts = attempt;
            waitQuiet();
            if (attempt == 1 && launcher != null && a.shell.contains(launcher.toString())) {
                // the launcher's first run of a command leaves a class-data dump, its second (the warm-up) adopts it
                runOnce(id, a);
            }
            for (int i = 0; i <= pairs; i++) {
                Measure x = runOnce(id, a);
                Measure y = runOnce(id, b);
                System.out.printf(Locale.ROOT, "   %s A %6.2f s  B %6.2f s  ratio %.3f   (cpu %.2f / %.2f s, rss %.0f / %.0f MiB)%n",
                        i == 0 ? "warm-up" : "pair " + i + " ", x.wall, y.wall, x.wall / y.wall, x.cpu, y.cpu, x.rssMiB, y.rssMiB);
                if (i > 0) {
                    r.ma.add(x);
                    r.mb.add(y);
                }
            }
            System.out.printf(Locale.ROOT, "   median ratio %.3f (spread %.0f %%)%n", median(r.ratios()), r.spread() * 100);
            if (best == null || r.spread() < best.spread()) {
                best = r;
            }
            if (r.spread() <= 0.25) {
                break;
            }
        }
        results.put(id, best);
    }

    static Measure runOnce(String id, Cmd c) {
        c.before.run();
        exec("sync", "sync");
        Measure m = measure(id, c.shell);
        c.after.run();
        return m;
    }

    static Measure measure(String id, String shell) {
        Path timeFile = work.resolve("logs/time.txt");
        Path log = work.resolve("logs/" + id + ".log");
        try {
            Files.deleteIfExists(timeFile);
            appendLog(log, "$ " + shell + "\n");
            ProcessBuilder pb = new ProcessBuilder("/usr/bin/time", "-f", "%e %U %S %M", "-o", timeFile.toString(),
                    "bash", "-c", "set -o pipefail; " + shell);
            pgEnv(pb);
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            long t0 = System.nanoTime();
            Process p = pb.start();
            current = p;
            int exit = p.waitFor();
            double wall = (System.nanoTime() - t0) / 1e9;
            current = null;
            if (exit != 0) {
                throw new Failure(1, "\"" + shell + "\" failed with exit code " + exit + "; its output is in " + log
                        + ":\n" + tail(log));
            }
            String[] f = Files.readString(timeFile).strip().split("\\R");
            String[] v = f[f.length - 1].trim().split("\\s+");
            if (v.length != 4) {
                throw new Failure(1, "cannot read /usr/bin/time's output for \"" + shell + "\": " + String.join(" / ", f));
            }
            return new Measure(wall, Double.parseDouble(v[1]) + Double.parseDouble(v[2]), Double.parseDouble(v[3]) / 1024.0);
        } catch (IOException e) {
            throw new Failure(1, "cannot run \"" + shell + "\": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(1, "interrupted");
        }
    }

    /** Runs an untimed helper command; it must succeed. */
    static void exec(String what, String shell) {
        Path log = work.resolve("logs/setup.log");
        try {
            appendLog(log, "$ " + shell + "\n");
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -o pipefail; " + shell);
            pgEnv(pb);
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            int exit = pb.start().waitFor();
            if (exit != 0) {
                throw new Failure(1, what + " failed (\"" + shell + "\", exit code " + exit + "):\n" + tail(log));
            }
        } catch (IOException e) {
            throw new Failure(1, what + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(1, "interrupted");
        }
    }

    static String capture(String shell) {
        try {
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", shell);
            pgEnv(pb);
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            return s;
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /**
     * Waits (up to 90 s) until the rest of the machine is quiet: less than 25 % of the CPUs busy over half a
     * second, with nothing of ours running. Other agents build on this machine now and then.
     */
    static void waitQuiet() {
        long deadline = System.nanoTime() + 90_000_000_000L;
        boolean said = false;
        while (true) {
            double busy = cpuBusy(500);
            if (busy < 0.25) {
                return;
            }
            if (System.nanoTime() > deadline) {
                String n = String.format(Locale.ROOT, "the machine stayed busy (%.0f %% CPU used by other processes) before a measurement", busy * 100);
                notes.add(n);
                System.out.println("   warning: " + n);
                return;
            }
            if (!said) {
                System.out.printf(Locale.ROOT, "   waiting for the machine to calm down (%.0f %% CPU busy elsewhere)…%n", busy * 100);
                said = true;
            }
            sleep(2000);
        }
    }

    static double cpuBusy(long millis) {
        long[] a = cpuTimes();
        sleep(millis);
        long[] b = cpuTimes();
        long total = b[0] - a[0];
        return total <= 0 ? 0 : (double) (b[1] - a[1]) / total;
    }

    /** total and busy jiffies from /proc/stat. */
    static long[] cpuTimes() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total, total - idle};
        } catch (IOException e) {
            return new long[] {0, 0};
        }
    }

    static long procCpuTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
            throw new Failure(1, "cannot read the CPU time of process " + pid + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // data, keys, configuration

    static final class Data {
        static String db(int s) {
            return "lb_bench_s" + s;
        }

        static Path tree(int s) {
            return work.resolve("data/uploads-s" + s);
        }

        static int pgbenchScale(int s) {
            return 4 * s;
        }

        static int blobRows(int s) {
            return 2000 * s;
        }

        static int smallFiles(int s) {
            return 2500 * s;
        }

        static int largeFiles(int s) {
            return 4 * s;
        }

        static final int LARGE = 16 << 20;

        static String describe(int s) {
            return String.format(Locale.ROOT, "database %s = pgbench -i -s %d + %d rows of 8 KiB text and 8 KiB bytea;"
                    + " uploads tree = %d files of 1–48 KiB and %d of 16 MiB, half compressible, half random (≈ %d MiB)",
                    db(s), pgbenchScale(s), blobRows(s), smallFiles(s), largeFiles(s), (smallFiles(s) * 24L * 1024 + (long) largeFiles(s) * LARGE) >> 20);
        }

        static String size(String kind, int s) {
            if (kind.equals("pg")) {
                return capture("psql -Atc \"select pg_size_pretty(pg_database_size('" + db(s) + "'))\" postgres");
            }
            return capture("du -sh " + tree(s) + " | cut -f1");
        }

        static void ensure(int s) {
            ensureDatabase(s);
            ensureTree(s);
        }

        static void ensureDatabase(int s) {
            String marker = DATA_VERSION + " scale " + s;
            String have = capture("psql -Atc \"select v from bench_meta\" " + db(s) + " 2>/dev/null");
            if (have.equals(marker)) {
                return;
            }
            System.out.printf("generating database %s (pgbench -i -s %d + blobs) …%n", db(s), pgbenchScale(s));
            long t0 = System.nanoTime();
            exec("create database " + db(s), "dropdb --if-exists " + db(s) + " && createdb " + db(s));
            exec("pgbench -i", "pgbench -i -q -s " + pgbenchScale(s) + " " + db(s));
            String sql = "create table blobs (id int primary key, note text not null, payload bytea not null);"
                    + " insert into blobs select i, repeat(md5(i::text) || ' lorem ipsum dolor sit amet ', 140),"
                    + " (select string_agg(sha256(int8send(i::bigint * 1000 + j)), ''::bytea) from generate_series(1, 256) j)"
                    + " from generate_series(1, " + blobRows(s) + ") i";
            exec("fill the blobs table", "psql -v ON_ERROR_STOP=1 -qc \"" + sql + "\" -c 'vacuum analyze blobs'"
                    + " -c \"create table bench_meta (v text); insert into bench_meta values ('" + marker + "')\" " + db(s));
            System.out.printf(Locale.ROOT, "  done in %.0f s (%s)%n", (System.nanoTime() - t0) / 1e9, size("pg", s));
        }

        static void ensureTree(int s) {
            Path root = tree(s);
            Path done = work.resolve("data/uploads-s" + s + ".done");
            String marker = DATA_VERSION + " scale " + s;
            try {
                if (Files.exists(done) && Files.readString(done).equals(marker)) {
                    return;
                }
                System.out.printf("generating the uploads tree %s …%n", root);
                long t0 = System.nanoTime();
                rmTree(root);
                Files.deleteIfExists(done);
                byte[] buf = new byte[LARGE];
                for (int i = 0; i < smallFiles(s); i++) {
                    SplittableRandom rnd = new SplittableRandom(0x5eedL * 1_000_003L + i);
                    int size = 1024 + rnd.nextInt(47 * 1024 + 1);
                    boolean text = i % 2 == 0;
                    Path f = root.resolve(String.format("%03d/%s-%05d.%s", i / 100, text ? "doc" : "img", i, text ? "txt" : "bin"));
                    Files.createDirectories(f.getParent());
                    fill(buf, size, text, rnd);
                    write(f, buf, size);
                }
                for (int i = 0; i < largeFiles(s); i++) {
                    SplittableRandom rnd = new SplittableRandom(0xb16L * 1_000_003L + i);
                    boolean text = i % 2 == 0;
                    Path f = root.resolve(String.format("large/%s-%03d.%s", text ? "log" : "video", i, text ? "txt" : "bin"));
                    Files.createDirectories(f.getParent());
                    fill(buf, LARGE, text, rnd);
                    write(f, buf, LARGE);
                }
                Files.writeString(done, marker);
                System.out.printf(Locale.ROOT, "  done in %.0f s (%s)%n", (System.nanoTime() - t0) / 1e9, size("files", s));
            } catch (IOException e) {
                throw new Failure(1, "cannot generate " + root + ": " + e.getMessage());
            }
        }

        static final String[] WORDS = words();

        static String[] words() {
            SplittableRandom r = new SplittableRandom(7);
            String[] w = new String[1024];
            for (int i = 0; i < w.length; i++) {
                StringBuilder sb = new StringBuilder();
                int len = 2 + r.nextInt(9);
                for (int j = 0; j < len; j++) {
                    sb.append((char) ('a' + r.nextInt(26)));
                }
                w[i] = sb.toString();
            }
            return w;
        }

        /** Text-like (compresses ≈ 3:1 with zstd -1) or random (does not compress). */
        static void fill(byte[] buf, int size, boolean text, SplittableRandom rnd) {
            if (!text) {
                int i = 0;
                while (i + 8 <= size) {
                    long v = rnd.nextLong();
                    for (int k = 0; k < 8; k++) {
                        buf[i++] = (byte) (v >>> (k * 8));
                    }
                }
                while (i < size) {
                    buf[i++] = (byte) rnd.nextInt(256);
                }
                return;
            }
            int i = 0;
            int col = 0;
            while (i < size) {
                String w = WORDS[rnd.nextInt(WORDS.length)];
                for (int k = 0; k < w.length() && i < size; k++) {
                    buf[i++] = (byte) w.charAt(k);
                }
                col += w.length() + 1;
                if (i < size) {
                    buf[i++] = (byte) (col > 72 ? '\n' : ' ');
                    if (col > 72) {
                        col = 0;
                    }
                }
            }
        }

        static void write(Path f, byte[] buf, int size) throws IOException {
            try (OutputStream o = Files.newOutputStream(f)) {
                o.write(buf, 0, size);
            }
        }
    }

    static final class Keys {
        static String recipient;

        static void ensure() {
            Path key = work.resolve("age-key.txt");
            if (!Files.exists(key)) {
                exec("age-keygen", "age-keygen -o " + key);
            }
            recipient = capture("age-keygen -y " + key);
            if (!recipient.startsWith("age1")) {
                throw new Failure(1, "age-keygen -y did not print a recipient: " + recipient);
            }
        }
    }

    static final class Configs {
        static void write() {
            writeScaled("pg", scale);
            writeScaled("files", scale);
            props("pg.properties", pgDb("main", scale) + local("pg"));
            props("pg-norows.properties", pgDb("main", scale) + "lifeboat.databases.main.row-counts=false\n" + local("pg"));
            props("pg-restore.properties", pgDb("main", scale) + local("pg-restore-s" + scale));
            props("files.properties", files(scale) + local("files"));
            props("files-restore.properties", files(scale) + local("files-restore-s" + scale));
            props("files-enc.properties", files(scale) + "lifeboat.encryption.recipients=" + Keys.recipient + "\n" + local("enc"));
        }

        static String writeScaled(String kind, int s) {
            String name = "rss-" + kind + "-" + s + ".properties";
            props(name, (kind.equals("pg") ? pgDb("main", s) : files(s)) + local("rss-" + kind + "-" + s));
            return name;
        }

        static void writeS3() {
            String k = "lifeboat.stores.s3.";
            props("files-s3.properties", files(scale) + k + "type=s3\n" + k + "bucket=bench\n" + k + "endpoint=http://127.0.0.1:" + s3port
                    + "\n" + k + "path-style=true\n" + k + "region=us-east-1\n" + k + "access-key=" + ACCESS_KEY + "\n"
                    + k + "secret-key=" + SECRET_KEY + "\n");
        }

        static String pgDb(String name, int s) {
            return "lifeboat.databases." + name + ".url=" + jdbc(Data.db(s)) + "\n";
        }

        static String files(int s) {
            return "lifeboat.files.uploads.path=" + Data.tree(s) + "\nlifeboat.compression.level=1\nlifeboat.compression.workers=2\n";
        }

        static String local(String name) {
            return "lifeboat.application=bench\nlifeboat.temp-dir=" + work.resolve("tmp") + "\nlifeboat.stores.local.type=local\n"
                    + "lifeboat.stores.local.path=" + work.resolve("stores/" + name) + "\n";
        }

        static void props(String name, String content) {
            try {
                Files.createDirectories(work.resolve("tmp"));
                Files.writeString(work.resolve(name), content);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static void startS3Proxy() {
        if (s3proxy != null) {
            return;
        }
        try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s3port = ss.getLocalPort();
        } catch (IOException e) {
            throw new Failure(1, "no free port for S3Proxy: " + e.getMessage());
        }
        Path base = work.resolve("s3");
        rmTree(base);
        try {
            Files.createDirectories(base.resolve("bench"));
            Files.writeString(work.resolve("s3proxy.conf"), "s3proxy.endpoint=http://127.0.0.1:" + s3port + "\n"
                    + "s3proxy.authorization=aws-v2-or-v4\ns3proxy.identity=" + ACCESS_KEY + "\ns3proxy.credential=" + SECRET_KEY + "\n"
                    + "s3proxy.ignore-unknown-headers=true\njclouds.provider=filesystem\njclouds.filesystem.basedir=" + base + "\n");
            ProcessBuilder pb = new ProcessBuilder("java", "-Xmx512m", "-DLOG_LEVEL=warn", "-jar", s3jar.toString(),
                    "--properties", work.resolve("s3proxy.conf").toString());
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("logs/s3proxy.log").toFile()));
            s3proxy = pb.start();
        } catch (IOException e) {
            throw new Failure(1, "cannot start S3Proxy: " + e.getMessage());
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", s3port), 200);
                break;
            } catch (IOException e) {
                if (!s3proxy.isAlive() || System.nanoTime() > deadline) {
                    throw new Failure(1, "S3Proxy did not start; see " + work.resolve("logs/s3proxy.log"));
                }
                sleep(100);
            }
        }
        Configs.writeS3();
        sleep(500);
    }

    // ---------------------------------------------------------------------------------------------------------
    // report

    static final class Report {
        static String markdown(Machine m) {
            StringBuilder sb = new StringBuilder();
            sb.append("## Results: scale ").append(scale).append(", ").append(pairs).append(" pairs\n\n");
            sb.append(m.markdown()).append('\n');
            sb.append("Data: ").append(Data.describe(scale)).append(".\n\n");
            sb.append("Wall and CPU (user + sys) in seconds, peak RSS in MiB; min / **median** / max over ").append(pairs)
                    .append(" runs of each side, run alternately after a warm-up pair. The ratio is A ÷ B per pair, then the median"
                            + " of those ratios (below 1 means A is faster).\n\n");
            if (pairs < 5) {
                sb.append("**Only ").append(pairs).append(pairs == 1 ? " pair" : " pairs")
                        .append(" per comparison: fewer than the 5 a figure needs; a quick look, not a result to quote.**\n\n");
            }
            sb.append("| Comparison | A | B | A wall s | B wall s | A CPU s | B CPU s | A RSS MiB | B RSS MiB | **ratio (wall)** | ratio (CPU) |\n");
            sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Result r : results.values()) {
                if (r.single != null) {
                    continue;
                }
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | **%.3f** | %.3f |%n",
                        cell(r.title), cell(r.a.label), cell(r.b.label), wall(r.ma), wall(r.mb), cpu(r.ma), cpu(r.mb),
                        rss(r.ma), rss(r.mb), median(r.ratios()), median(r.cpuRatios())));
            }
            for (Result r : results.values()) {
                if (r.single != null) {
                    sb.append(String.format(Locale.ROOT, "%n%s: wall %s s, CPU %.2f s, peak RSS %.0f MiB.%n", r.title, wall(r.single),
                            median(r.single.stream().map(Measure::cpu).toList()), median(r.single.stream().map(Measure::rssMiB).toList())));
                }
            }
            List<String> rnotes = new ArrayList<>();
            for (Result r : results.values()) {
                if (r.note != null) {
                    rnotes.add("- " + r.title + ": " + r.note);
                }
                if (r.attempts > 1) {
                    rnotes.add("- " + r.title + ": measured " + r.attempts + " times because a run was disturbed (spread over 25 %);"
                            + String.format(Locale.ROOT, " the calmest attempt is shown (spread %.0f %%).", r.spread() * 100));
                }
            }
            if (!rnotes.isEmpty()) {
                sb.append("\n").append(String.join("\n", rnotes)).append("\n");
            }
            if (!rssLines.isEmpty()) {
                sb.append("\nPeak RSS of a backup at 1× and 4× the data (median MiB over ").append(Math.max(3, (pairs + 1) / 2))
                        .append(" runs, min–max in brackets):\n\n");
                sb.append("| Backup | 1× scale (size) | peak RSS MiB | 4× scale (size) | peak RSS MiB | growth | < 10 %, ≤ 256 MB |\n"
                        + "|---|---|---|---|---|---|---|\n");
                rssLines.forEach(l -> sb.append(l).append('\n'));
            }
            sb.append(targets());
            if (!notes.isEmpty()) {
                sb.append("\nWarnings:\n");
                notes.forEach(n -> sb.append("- ").append(n).append('\n'));
            }
            return sb.toString();
        }

        /** Each target of the issue against what this run measured; a target this run did not measure is said so. */
        static String targets() {
            StringBuilder sb = new StringBuilder("\nTargets (median of the per-pair wall ratios):\n\n");
            TARGETS.forEach((id, limit) -> {
                Result r = results.get(id);
                if (r == null || r.single != null) {
                    sb.append(String.format(Locale.ROOT, "- %s ≤ %.2f: not measured in this run%n", id, limit));
                } else {
                    double ratio = median(r.ratios());
                    sb.append(String.format(Locale.ROOT, "- %s ≤ %.2f: %.3f, %s%n", r.title, limit, ratio, ratio <= limit ? "met" : "**not met**"));
                }
            });
            // the Lifeboat side of the main comparisons, those named in ALL (the extras' A sides include stock commands)
            List<Result> main = ALL.stream().map(results::get).filter(r -> r != null && r.single == null).toList();
            double peak = main.stream().flatMap(r -> r.ma.stream()).mapToDouble(Measure::rssMiB).max().orElse(Double.NaN);
            String worst = main.stream().filter(r -> r.ma.stream().anyMatch(m -> m.rssMiB() == peak))
                    .map(r -> r.title).findFirst().orElse("none");
            sb.append(Double.isNaN(peak) ? "- peak RSS ≤ 256 MB: not measured in this run\n"
                    : String.format(Locale.ROOT, "- peak RSS ≤ 256 MB (%.0f MiB) of Lifeboat in the main comparisons: %.0f MiB (%s), %s%n",
                            RSS_LIMIT_MIB, peak, worst, peak <= RSS_LIMIT_MIB ? "met" : "**not met**"));
            return sb.toString();
        }

        static String cell(String s) {
            return s.replace("|", "\\|");
        }

        static String wall(List<Measure> m) {
            return spread("%.2f", m.stream().map(Measure::wall).toList());
        }

        static String cpu(List<Measure> m) {
            return spread("%.2f", m.stream().map(Measure::cpu).toList());
        }

        static String rss(List<Measure> m) {
            return spread("%.0f", m.stream().map(Measure::rssMiB).toList());
        }

        /** min / **median** / max of one figure over the measured runs. */
        static String spread(String format, List<Double> v) {
            return String.format(Locale.ROOT, format + " / **" + format + "** / " + format, min(v), median(v), max(v));
        }
    }

    record Machine(String cpu, int cores, String mem, String kernel, String java, String pg, String tools, String load) {
        static Machine read() {
            return new Machine(capture("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
                    Runtime.getRuntime().availableProcessors(),
                    capture("free -g | awk '/Mem:/ {print $2 \" GiB\"}'"),
                    capture("uname -sr"),
                    capture("java -version 2>&1 | head -1"),
                    capture("psql -Atc 'show server_version' postgres") + "; " + capture("pg_dump --version"),
                    capture("tar --version | head -1") + "; " + capture("zstd --version | sed 's/^[* ]*//; s/, by.*//'") + "; age " + capture("age --version"),
                    capture("cat /proc/loadavg"));
        }

        String describe() {
            return "machine: " + cpu + ", " + cores + " cores, " + mem + ", " + kernel + "\n" + java + "\nPostgreSQL " + pg
                    + "\n" + tools + "\nload at start: " + load + "\nLifeboat runs " + howStarted();
        }

        String markdown() {
            return "Machine: " + cpu + ", " + cores + " cores, " + mem + " RAM, " + kernel + "; " + java + "; PostgreSQL " + pg
                    + "; " + tools + ". Run " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))
                    + ". Lifeboat runs " + howStarted() + ".\n";
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers

    static void parse(String[] args) {
        repo = Path.of(env("LIFEBOAT_REPO", ".")).toAbsolutePath().normalize();
        work = Path.of(env("BENCH_WORK", System.getProperty("java.io.tmpdir") + "/lifeboat-bench"));
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--scale" -> scale = atLeast(1, a, next(args, ++i));
                case "--pairs" -> pairs = atLeast(1, a, next(args, ++i));
                case "--retries" -> retries = atLeast(0, a, next(args, ++i));
                case "--work" -> work = Path.of(next(args, ++i));
                case "--only" -> only.addAll(Arrays.asList(next(args, ++i).split(",")));
                case "--out" -> resultsFile = Path.of(next(args, ++i));
                case "-h", "--help" -> {
                    System.out.println("usage: bench/run.sh [--scale N] [--pairs N] [--only " + String.join(",", ALL)
                            + "] [--work DIR] [--out FILE] [--retries N]");
                    System.exit(0);
                }
                default -> throw new Failure(2, "unknown argument " + a + " (see --help)");
            }
        }
        for (String o : only) {
            if (!ALL.contains(o)) {
                throw new Failure(2, "--only: unknown comparison " + o + "; one of " + ALL);
            }
        }
        work = work.toAbsolutePath().normalize();
        jar = Path.of(env("LIFEBOAT_JAR", repo.resolve("cli/target/lifeboat.jar").toString())).toAbsolutePath();
        launcher = Files.isExecutable(jar.resolveSibling("lifeboat")) ? jar.resolveSibling("lifeboat") : null;
        s3jar = repo.resolve("bench/target/s3proxy-4.1.0-jar-with-dependencies.jar");
        if (resultsFile == null) {
            resultsFile = repo.resolve("bench/target/results-s" + scale + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".md");
        }
    }

    static void requireTools() {
        List<String> missing = new ArrayList<>();
        for (String t : List.of("pg_dump", "pg_restore", "pgbench", "psql", "createdb", "dropdb", "zstd", "tar", "age", "age-keygen", "openssl", "sync")) {
            if (capture("command -v " + t).isEmpty()) {
                missing.add(t);
            }
        }
        if (!Files.isExecutable(Path.of("/usr/bin/time"))) {
            missing.add("/usr/bin/time");
        }
        if (!missing.isEmpty()) {
            throw new Failure(2, "missing tools: " + missing + " (bench/run.sh installs them with apt-get)");
        }
        if (!Files.isRegularFile(jar)) {
            throw new Failure(2, jar + " does not exist; build it: ./mvnw -B -q -pl cli -am package -Dmaven.test.skip=true");
        }
        if ((only.isEmpty() || only.contains("s3")) && !Files.isRegularFile(s3jar)) {
            throw new Failure(2, s3jar + " does not exist; bench/run.sh fetches it");
        }
        if (!capture("pg_isready -h " + pgHost + " -p " + pgPort + " >/dev/null && echo up").equals("up")) {
            throw new Failure(2, "PostgreSQL does not answer on " + pgHost + ":" + pgPort + " (set PGHOST/PGPORT/PGUSER)");
        }
    }

    static String lifeboat(String config, String command) {
        return lifeboat("", config, command);
    }

    static String lifeboat(String jvmOptions, String config, String command) {
        return lifeboatOn("", jvmOptions, "--config " + work.resolve(config) + " " + command);
    }

    /**
     * The command line of a Lifeboat run as an operator runs it: through the launcher script when the build has one
     * (it adds its JVM flags; {@code jvmOptions} go into LIFEBOAT_JAVA_OPTS, after them), else {@code java -jar}.
     * {@code javaHome} empty: the java on the PATH.
     */
    static String lifeboatOn(String javaHome, String jvmOptions, String args) {
        if (launcher != null) {
            return "LIFEBOAT_CDS_DIR=" + work.resolve("cds") + " " + (javaHome.isEmpty() ? "" : "JAVA_HOME=" + javaHome + " ")
                    + (jvmOptions.isEmpty() ? "" : "LIFEBOAT_JAVA_OPTS='" + jvmOptions + "' ") + launcher + " " + args;
        }
        return (javaHome.isEmpty() ? "java" : javaHome + "/bin/java") + " " + (jvmOptions.isEmpty() ? "" : jvmOptions + " ")
                + "-jar " + jar + " " + args;
    }

    /** How Lifeboat is started, for the report. */
    static String howStarted() {
        return launcher != null
                ? "through the launcher script `cli/target/lifeboat` (`java -XX:Tier4InvocationThreshold=50000"
                        + " -XX:Tier4CompileThreshold=60000 -XX:Tier4BackEdgeThreshold=400000 -jar lifeboat.jar`, and the"
                        + " class-data sharing archive it keeps per command and configuration when it has that feature:"
                        + " one untimed run before each comparison's warm-up pair makes it)"
                : "as `java -jar lifeboat.jar` (this build has no launcher script)";
    }

    static String tarZstd(Path dir, String extra) {
        return "tar -cf - -C " + dir + " . | zstd -q -1 -T2" + extra;
    }

    static String db(int s) {
        return Data.db(s);
    }

    static String jdbc(String db) {
        return "jdbc:postgresql://" + pgHost + ":" + pgPort + "/" + db + "?user=" + pgUser;
    }

    static String out(String name) {
        return work.resolve("out/" + name).toString();
    }

    static void pgEnv(ProcessBuilder pb) {
        pb.environment().put("PGHOST", pgHost);
        pb.environment().put("PGPORT", pgPort);
        pb.environment().put("PGUSER", pgUser);
    }

    static Path find(Path root, String name) {
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().equals(name)).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** Empties a store (keeps the directory), so every backup run starts from the same state. */
    static void clean(Path store) {
        rmTree(store);
        try {
            Files.createDirectories(store);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void cleanContents(Path dir) {
        rmTree(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void rm(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void rmTree(Path root) {
        if (Files.exists(root)) {
            exec("remove " + root, "rm -rf " + root);
        }
    }

    static void appendLog(Path log, String s) throws IOException {
        Files.writeString(log, s, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    static String tail(Path log) {
        try {
            List<String> l = Files.readAllLines(log);
            return l.subList(Math.max(0, l.size() - 15), l.size()).stream().map(s -> "  | " + s).collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "";
        }
    }

    static double median(List<Double> v) {
        if (v.isEmpty()) {
            throw new Failure(1, "no measurements");
        }
        List<Double> s = new ArrayList<>(v);
        s.sort(Comparator.naturalOrder());
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    static String next(String[] args, int i) {
        if (i >= args.length) {
            throw new Failure(2, args[i - 1] + " needs a value");
        }
        return args[i];
    }

    static int atLeast(int least, String name, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= least) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new Failure(2, name + " must be an integer of at least " + least + ", but was \"" + v + "\"");
    }

    static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(1, "interrupted");
        }
    }

    static final class Failure extends RuntimeException {
        final int exit;

        Failure(int exit, String message) {
            super(message);
            this.exit = exit;
        }
    }
}
