package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.internal.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default through the jar, as an operator runs it: a SQLite database (the driver and its native
 * library come from the jar) backed up, verified, and restored to a new file with identical rows.
 */
class CliSqliteIT {
    @TempDir
    Path dir;

    @Test
    void aSqliteDatabaseBacksUpVerifiesAndRestoresThroughTheJar() throws Exception {
        Path db = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("create table notes (id integer primary key, body text, data blob)");
            st.execute("with recursive n(i) as (select 1 union all select i + 1 from n where i < 500)"
                    + " insert into notes (body, data) select 'note ' || i || ' ünïcødé', randomblob(32) from n");
            st.execute("insert into notes (body, data) values (null, null)");
        }
        Jar.write(dir.resolve("lifeboat.properties"), String.join("\n",
                "lifeboat.application=notes",
                "lifeboat.databases.app.url=jdbc:sqlite:" + db,
                "lifeboat.stores.local.type=local",
                "lifeboat.stores.local.path=" + dir.resolve("store"), ""));

        Jar.Run backup = Jar.run(dir, "--json", "backup");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        DocumentedJson.assertConforms("backup", backup.json().map());
        JsonObject part = JsonObject.of(backup.json().array("parts").get(0), "part");
        assertThat(part.string("key")).endsWith("/db-app.sqlite.zst");
        assertThat(part.object("rowCounts").number("main.notes")).isEqualTo(501);

        Jar.Run verify = Jar.run(dir, "verify", "latest", "--content");
        assertThat(verify.exit()).as(verify.toString()).isZero();

        Path restored = dir.resolve("restored/app.db");
        Files.createDirectories(restored.getParent());
        Jar.Run restore = Jar.run(dir, "restore", "latest", "--database", "app", "--to-url", "jdbc:sqlite:" + restored);
        assertThat(restore.exit()).as(restore.toString()).isZero();
        assertThat(rows(restored)).isEqualTo(rows(db)).contains("note 500 ünïcødé");

        // an existing file is not overwritten without --replace
        byte[] before = Files.readAllBytes(restored);
        Jar.Run again = Jar.run(dir, "restore", "latest", "--database", "app", "--to-url", "jdbc:sqlite:" + restored);
        assertThat(again.exit()).as(again.toString()).isEqualTo(1);
        assertThat(again.err()).contains("[LB-402]");
        assertThat(Files.readAllBytes(restored)).isEqualTo(before);
    }

    /** Every row, in id order, as text (blobs in hex). */
    private static String rows(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select group_concat(id || ':' || coalesce(body, 'NULL') || ':' || coalesce(hex(data), 'NULL'),"
                        + " '|') from (select * from notes order by id)")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
