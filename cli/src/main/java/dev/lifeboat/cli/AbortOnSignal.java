package dev.lifeboat.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns SIGINT or SIGTERM during a long command into an orderly abort. Without it the JVM halts as soon as its
 * shutdown hooks are done: a dump process would outlive it, a multipart upload would stay open (billed until the
 * janitor or a lifecycle rule removes it) and temporary files would stay behind. The hook stops the child
 * processes (pg_dump, pg_restore), interrupts the command's thread, and waits a bounded time for the command's
 * own failure path to abort its writes and delete its temporary files; the JVM then exits as signalled.
 */
final class AbortOnSignal implements AutoCloseable {
    /** How long the abort may take before the JVM halts anyway. */
    static final Duration GRACE = Duration.ofSeconds(30);

    private final Thread worker = Thread.currentThread();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    AbortOnSignal(String what, PrintWriter err) {
        hook = new Thread(() -> {
            err.println("lifeboat: stopping: aborting the " + what + "; nothing half-written is kept");
            err.flush();
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
            worker.interrupt();
            try {
                finished.await(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the JVM is halting
            }
        }, "lifeboat-abort");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running and now returns
        }
    }
}
