package dev.lifeboat.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.Properties;

/** Lifeboat's version and the host name recorded in manifests. */
public final class Version {
    private static final String VERSION = load();
    private static volatile String host;

    private Version() {}

    public static String lifeboat() {
        return VERSION;
    }

    public static String host() {
        String h = host;
        if (h == null) {
            h = System.getenv("HOSTNAME");
            if (h == null || h.isBlank()) {
                try {
                    h = InetAddress.getLocalHost().getHostName();
                } catch (IOException e) {
                    h = "unknown";
                }
            }
            host = h;
        }
        return h;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/lifeboat/lifeboat.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
