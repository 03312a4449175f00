package dev.lifeboat.testing;

import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.source.SourceContext;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.source.SourceResult;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/** A custom source for tests: any name and kind, its bytes written by {@code body}, stored as {@code .bin}. */
public record RawSource(String name, SourceKind kind, Body body) implements Source {
    /** Writes the part's bytes. */
    @FunctionalInterface
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    @Override
    public String format() {
        return "raw";
    }

    @Override
    public String extension() {
        return ".bin";
    }

    @Override
    public SourceResult write(SourceContext context, OutputStream out) throws IOException {
        body.write(out);
        return new SourceResult(Map.of(), Map.of(), null, List.of());
    }
}
