package dev.lifeboat.internal.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The restore's row check reads a table's count from the server's statistics only when they show exactly the
 * manifest's figure; anything else is counted, so a wrong manifest figure or a changed table is always caught.
 */
class PgRowCountsTest {
    @RegisterExtension
    static final TestPostgres PG = TestPostgres.fromEnvironment();

    @Test
    void statisticsAreTrustedOnlyWhenTheyShowExactlyTheExpectedRows() throws Exception {
        String url = PG.createDatabase("lb_rowcounts");
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("create table filled (id int, body text)");
            st.execute("insert into filled select g, 'row ' || g from generate_series(1, 5000) g");
            st.execute("create table other (id int)");
            st.execute("insert into other select generate_series(1, 7)");
            c.commit();
            c.setAutoCommit(true);
            st.execute("select pg_stat_force_next_flush()");
        }
        awaitInsertedRows(url, "filled", 5000);

        try (Connection c = PG.connect(url)) {
            PgClient.RowCounts matching = PgClient.rowCounts(c, Map.of("public.filled", 5000L));
            assertThat(matching.counts()).containsExactly(Map.entry("public.filled", 5000L), Map.entry("public.other", 7L));
            assertThat(matching.fromStatistics()).containsExactly("public.filled");

            // a manifest that says otherwise is checked against the table itself
            PgClient.RowCounts differing = PgClient.rowCounts(c, Map.of("public.filled", 5001L, "public.other", 9L));
            assertThat(differing.counts()).containsEntry("public.filled", 5000L).containsEntry("public.other", 7L);
            assertThat(differing.fromStatistics()).isEmpty();

            // the backup side asks for no expectation: everything is counted
            assertThat(PgClient.rowCounts(c)).containsEntry("public.filled", 5000L).containsEntry("public.other", 7L);
        }

        // once anything was deleted (or updated), the statistics are no longer the table's whole story
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            st.execute("delete from filled where id = 1");
            st.execute("insert into filled values (1, 'row 1 again')");
            st.execute("select pg_stat_force_next_flush()");
        }
        awaitInsertedRows(url, "filled", 5001);
        try (Connection c = PG.connect(url)) {
            PgClient.RowCounts afterDelete = PgClient.rowCounts(c, Map.of("public.filled", 5000L));
            assertThat(afterDelete.counts()).containsEntry("public.filled", 5000L);
            assertThat(afterDelete.fromStatistics()).isEmpty();
        }
    }

    @Test
    void tablesWhoseNamesJoinToTheSameDottedNameAreCountedApart() throws Exception {
        String url = PG.createDatabase("lb_rowcounts_dots");
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            st.execute("create schema a");
            st.execute("create schema \"a.b\"");
            st.execute("create table a.\"b.c\" (id int)");
            st.execute("insert into a.\"b.c\" select generate_series(1, 5)");
            st.execute("create table \"a.b\".c (id int)");
            st.execute("insert into \"a.b\".c select generate_series(1, 7)");
            st.execute("create table a.\"say \"\"hi\"\"\" (id int)");
            st.execute("insert into a.\"say \"\"hi\"\"\" values (1)");
        }
        try (Connection c = PG.connect(url)) {
            assertThat(PgClient.rowCounts(c)).containsExactly(Map.entry("a.\"b.c\"", 5L),
                    Map.entry("a.\"say \"\"hi\"\"\"", 1L), Map.entry("\"a.b\".c", 7L));
        }
    }

    /** Statistics reach the shared view when the writing session flushes them; waits up to 10 s for that. */
    private static void awaitInsertedRows(String url, String table, long inserted) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Connection c = PG.connect(url); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select n_tup_ins from pg_stat_user_tables where relname = '" + table + "'")) {
                if (rs.next() && rs.getLong(1) == inserted) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("statistics for " + table + " never showed " + inserted + " inserted rows");
            }
            Thread.sleep(50);
        }
    }
}
