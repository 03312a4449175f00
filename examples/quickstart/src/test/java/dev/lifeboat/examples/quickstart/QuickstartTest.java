package dev.lifeboat.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.testing.Requirements;
import dev.lifeboat.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class QuickstartTest {
    @RegisterExtension
    static final TestPostgres PG = TestPostgres.fromEnvironment();

    static String capture(Path store, String pgUrl, Path work) throws Exception {
        return capture(store, pgUrl, null, work);
    }

    static String capture(Path store, String pgUrl, dev.lifeboat.api.store.Store offsite, Path work) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bo, true, "UTF-8"));
        boolean ok;
        try {
            ok = Quickstart.run(store, pgUrl, offsite, work);
        } finally {
            System.setOut(old);
        }
        String out = bo.toString("UTF-8");
        assertThat(ok).as(out).isTrue();
        return out;
    }

    @Test
    void embeddedDefaultBacksUpVerifiesAndRestoresIdentically(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("lifeboat-quickstart");
        String first = capture(store, null, Files.createDirectory(dir.resolve("w1")));
        assertThat(first).contains("SUCCESS").contains("db-shop.sqlite.zst").contains("files-uploads.tar.zst")
                .contains("config-deploy.tar.zst").contains("Verify (re-read and re-hash every part)  OK")
                .contains("manifest signature TRUSTED")
                .contains("db-shop        ok").contains("files-uploads  ok").contains("config-deploy  ok")
                .contains("Restore points in the store: 1").contains("restored to an identical copy");
        String second = capture(store, null, Files.createDirectory(dir.resolve("w2")));
        assertThat(second).contains("Restore points in the store: 2");
        try (var backups = Files.list(store.resolve("backups"))) {
            assertThat(backups.count()).isEqualTo(2);
        }
        assertThat(dir.resolve("lifeboat-quickstart-signing.pem")).as("the signing key lives outside the store").exists();
        assertThat(store.resolve("backups").toFile().list()).allSatisfy(id ->
                assertThat(store.resolve("backups").resolve(id).resolve("manifest.json.sig")).exists());
    }

    @Test
    void withPostgresItRestoresIntoAScratchDatabaseAndDropsIt(@TempDir Path dir) throws Exception {
        Requirements.requireTool("pg_dump");
        String url = PG.createDatabase("lb_quick");
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            st.execute("create table accounts (id int primary key, name text)");
            st.execute("insert into accounts select g, 'acct ' || g from generate_series(1, 321) g");
        }
        String out = capture(dir.resolve("store"), url, Files.createDirectory(dir.resolve("w")));
        assertThat(out).contains("db-pg.pgdump").contains("db-pg          ok   1 tables, 321 rows");
        String scratch = out.replaceAll("(?s).*scratch database (lifeboat_quickstart_[0-9a-f]+).*", "$1");
        try (Connection c = PG.connect(PG.adminUrl()); Statement st = c.createStatement();
                var rs = st.executeQuery("select count(*) from pg_database where datname = '" + scratch + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("scratch database dropped").isZero();
        }
    }

    @Test
    void withAnS3StoreEveryBackupGoesOffsiteToo(@TempDir Path dir) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.resolve("s3").toString());
        Files.createDirectories(dir.resolve("s3/offsite"));
        org.gaul.s3proxy.S3Proxy proxy = org.gaul.s3proxy.S3Proxy.builder()
                .blobStore(org.gaul.s3proxy.BlobStores.create("filesystem", p))
                .awsAuthentication(org.gaul.s3proxy.auth.AuthenticationType.AWS_V2_OR_V4, "qs-access", "qs-secret")
                .endpoint(java.net.URI.create("http://127.0.0.1:0")).ignoreUnknownHeaders(true).build();
        proxy.start();
        try {
            while (!"STARTED".equals(proxy.getState())) {
                Thread.sleep(5);
            }
            dev.lifeboat.s3.S3Store s3 = dev.lifeboat.s3.S3Store.bucket("offsite").prefix("quickstart/")
                    .endpoint(java.net.URI.create("http://127.0.0.1:" + proxy.getPort())).pathStyle(true).region("us-east-1")
                    .credentials("qs-access", dev.lifeboat.api.Secret.of("qs-secret"));
            String out = capture(dir.resolve("store"), null, s3, Files.createDirectory(dir.resolve("w")));
            assertThat(out).contains("offsite    s3://offsite/quickstart/").contains("store local    complete")
                    .contains("store offsite  complete").contains("restored to an identical copy");
            assertThat(s3.list("backups/")).hasSize(5); // 3 parts, the manifest and its signature
            s3.close();
        } finally {
            proxy.stop();
        }
    }
}
