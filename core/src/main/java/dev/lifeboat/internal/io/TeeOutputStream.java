package dev.lifeboat.internal.io;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/** Writes every byte to each of several streams, in order. Used to copy one part to several stores. */
public final class TeeOutputStream extends OutputStream {
    private final List<OutputStream> targets;

    public TeeOutputStream(List<OutputStream> targets) {
        this.targets = List.copyOf(targets);
    }

    @Override
    public void write(int b) throws IOException {
        for (OutputStream t : targets) {
            t.write(b);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (OutputStream t : targets) {
            t.write(b, off, len);
        }
    }

    @Override
    public void flush() throws IOException {
        for (OutputStream t : targets) {
            t.flush();
        }
    }
}
