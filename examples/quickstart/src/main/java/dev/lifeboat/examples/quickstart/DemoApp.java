package dev.lifeboat.examples.quickstart;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A tiny "SaaS app" on disk: a SQLite shop database, an uploads folder and a config file. */
record DemoApp(Path root, Path database, Path uploads, Path config) {

    static DemoApp create(Path root) throws IOException, SQLException {
        Files.createDirectories(root);
        Path db = root.resolve("shop.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            st.execute("create table users (id integer primary key, email text unique not null, name text)");
            st.execute("create table products (id integer primary key, title text not null, price_cents integer)");
            st.execute("create table orders (id integer primary key, user_id integer references users(id),"
                    + " product_id integer references products(id), quantity integer, placed_at text)");
            c.setAutoCommit(false);
            try (PreparedStatement u = c.prepareStatement("insert into users (email, name) values (?, ?)");
                    PreparedStatement p = c.prepareStatement("insert into products (title, price_cents) values (?, ?)");
                    PreparedStatement o = c.prepareStatement("insert into orders (user_id, product_id, quantity, placed_at) values (?, ?, ?, ?)")) {
                String[] names = {"Ada Lovelace", "Grace Hopper", "Zoë Ångström", "山田 太郎", "Ολυμπία"};
                for (int i = 1; i <= 250; i++) {
                    u.setString(1, "user" + i + "@example.com");
                    u.setString(2, names[i % names.length] + " #" + i);
                    u.addBatch();
                }
                for (int i = 1; i <= 40; i++) {
                    p.setString(1, "Product " + i);
                    p.setInt(2, 199 + i * 100);
                    p.addBatch();
                }
                Random r = new Random(7);
                for (int i = 1; i <= 1200; i++) {
                    o.setInt(1, 1 + r.nextInt(250));
                    o.setInt(2, 1 + r.nextInt(40));
                    o.setInt(3, 1 + r.nextInt(5));
                    o.setString(4, "2026-11-" + String.format("%02d", 1 + r.nextInt(25)));
                    o.addBatch();
                }
                u.executeBatch();
                p.executeBatch();
                o.executeBatch();
            }
            c.commit();
        }
        Path uploads = Files.createDirectories(root.resolve("uploads"));
        Random r = new Random(11);
        for (int user = 1; user <= 5; user++) {
            Path dir = Files.createDirectories(uploads.resolve("avatars").resolve("user-" + user));
            byte[] img = new byte[20_000 + r.nextInt(80_000)];
            r.nextBytes(img);
            Files.write(dir.resolve("avatar.png"), img);
        }
        Path invoices = Files.createDirectories(uploads.resolve("invoices/2026/11"));
        for (int i = 1; i <= 12; i++) {
            Files.writeString(invoices.resolve("invoice-" + i + ".txt"), ("Invoice " + i + "\nTotal: " + (i * 1234) + " cents\n").repeat(50));
        }
        Files.createDirectories(uploads.resolve("tmp-empty"));
        Files.writeString(uploads.resolve("README.txt"), "user uploads for the demo shop\n");
        Files.createSymbolicLink(uploads.resolve("latest-invoice.txt"), Path.of("invoices/2026/11/invoice-12.txt"));
        Path config = root.resolve("shop.conf");
        Files.writeString(config, "# demo deployment config\nlisten = 8080\nuploads = " + uploads + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
        return new DemoApp(root, db, uploads, config);
    }

    int tableCount() throws SQLException {
        return rowCounts(database).size();
    }

    long rowCount() throws SQLException {
        return rowCounts(database).values().stream().mapToLong(Long::longValue).sum();
    }

    long uploadCount() throws IOException {
        try (Stream<Path> s = Files.walk(uploads)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).count();
        }
    }

    long uploadBytes() throws IOException {
        try (Stream<Path> s = Files.walk(uploads)) {
            long total = 0;
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    total += Files.size(p);
                }
            }
            return total;
        }
    }

    static Map<String, Long> rowCounts(Path db) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("select name from sqlite_schema where type='table' and name not like 'sqlite_%'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("select count(*) from \"" + t + "\"")) {
                    rs.next();
                    counts.put(t, rs.getLong(1));
                }
            }
        }
        return counts;
    }

    /** A checksum over every row of every table, in primary key order. */
    static String checksum(Path db) throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            for (String t : rowCounts(db).keySet()) {
                try (ResultSet rs = st.executeQuery("select * from \"" + t + "\" order by 1")) {
                    int cols = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= cols; i++) {
                            sb.append(rs.getString(i)).append('|');
                        }
                        sb.append('\n');
                    }
                }
            }
        }
        return sha256(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Differences between two trees: type, permissions, and content hash or link target. */
    static List<String> compareTrees(Path a, Path b) throws IOException {
        Map<String, String> left = describe(a);
        Map<String, String> right = describe(b);
        List<String> diff = new ArrayList<>();
        for (String k : left.keySet()) {
            if (!left.get(k).equals(right.get(k))) {
                diff.add(k + ": " + left.get(k) + " vs " + right.get(k));
            }
        }
        for (String k : right.keySet()) {
            if (!left.containsKey(k)) {
                diff.add(k + ": unexpected in the restored tree");
            }
        }
        return diff;
    }

    private static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "dir " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                } else {
                    try (InputStream in = Files.newInputStream(p)) {
                        out.put(rel, "file " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + " "
                                + sha256(in.readAllBytes()));
                    }
                }
            }
        }
        return out;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
