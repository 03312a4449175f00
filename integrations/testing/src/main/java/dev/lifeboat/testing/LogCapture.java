package dev.lifeboat.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Captures every log record (JUL, where {@code System.Logger} goes by default) at every level while open, for
 * asserting that secrets never reach logs.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger root = Logger.getLogger("");
    private final List<String> lines = new ArrayList<>();
    private final Level previous;
    private final Handler handler = new Handler() {
        private final SimpleFormatter f = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
            synchronized (lines) {
                lines.add(f.format(r));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    private final Logger lifeboat = Logger.getLogger("dev.lifeboat");
    private final Level previousLifeboat;

    public LogCapture() {
        previous = root.getLevel();
        previousLifeboat = lifeboat.getLevel();
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(Level.ALL);
        lifeboat.setLevel(Level.ALL);
    }

    /** Everything logged so far, formatted (message, parameters and exception stack traces). */
    public String text() {
        synchronized (lines) {
            return String.join("", lines);
        }
    }

    @Override
    public void close() {
        root.removeHandler(handler);
        root.setLevel(previous);
        lifeboat.setLevel(previousLifeboat);
    }
}
