package dev.lifeboat.internal.postgres;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Debian and Ubuntu install PostgreSQL's client programs under {@code /usr/lib/postgresql/<version>/bin} and put
 * links to {@code pg_wrapper}, a Perl script, on PATH ({@code /usr/bin/pg_dump → ../share/postgresql-common/pg_wrapper}).
 * The wrapper picks a version and execs it, which costs ≈ 70–110 ms per start, and a backup starts four of them.
 *
 * <p>Lifeboat always passes {@code --host}, and with an explicit host pg_wrapper ignores PGCLUSTER and the
 * cluster maps and runs the newest installed version that has the program (its manual: client programs are
 * downwards compatible). So when the program found first on PATH is that wrapper, Lifeboat runs the same binary
 * directly. This also makes {@code pg_dump --version} (which the wrapper, without {@code --host}, would answer
 * for the local default cluster's version) report the binary that actually runs. Anything else — another program
 * first on PATH, no {@code /usr/lib/postgresql} — leaves the bare name, resolved on PATH.
 */
final class DebianClients {
    private static final Path VERSIONS = Path.of("/usr/lib/postgresql");
    private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+))?");
    private static final Map<String, String> RESOLVED = new ConcurrentHashMap<>();

    private DebianClients() {}

    /** The program to run for {@code name} when no bin directory is configured. */
    static String resolve(String name) {
        return RESOLVED.computeIfAbsent(name, DebianClients::find);
    }

    /** Whether {@code command} is a binary chosen here in place of pg_wrapper. */
    static boolean bypassesWrapper(String command) {
        return command.startsWith(VERSIONS + "/");
    }

    private static String find(String name) {
        Path onPath = firstOnPath(name);
        if (onPath == null) {
            return name;
        }
        try {
            if (!onPath.toRealPath().getFileName().toString().equals("pg_wrapper")) {
                return name;
            }
        } catch (IOException e) {
            return name;
        }
        Path best = null;
        int[] bestVersion = null;
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(VERSIONS)) {
            for (Path dir : versions) {
                var m = VERSION.matcher(dir.getFileName().toString());
                Path binary = dir.resolve("bin").resolve(name);
                if (!m.matches() || !Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
                    continue;
                }
                int[] v = {Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))};
                if (bestVersion == null || v[0] > bestVersion[0] || (v[0] == bestVersion[0] && v[1] > bestVersion[1])) {
                    best = binary;
                    bestVersion = v;
                }
            }
        } catch (IOException e) {
            return name;
        }
        return best == null ? name : best.toString();
    }

    private static Path firstOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
