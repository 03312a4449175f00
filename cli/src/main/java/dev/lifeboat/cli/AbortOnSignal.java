package dev.lifeboat.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns SIGINT or SIGTERM during a long command into an orderly abort. Without it the JVM halts as soon as its
 * shutdown hooks are done: a dump process would outlive it, a multipart upload would stay open (billed until the
 * janitor or a lifecycle rule removes it) and temporary files would stay behind. The hook interrupts the
 * command's thread, stops the child processes (pg_dump, pg_restore), and waits a bounded time for the command's
 * own failure path to abort its writes, delete its temporary files and report how it ended ({@link #reported()});
 * the JVM then exits as signalled.
 */
final class AbortOnSignal implements AutoCloseable {
    /** How long the abort may take before the JVM halts anyway. */
    static final Duration GRACE = Duration.ofSeconds(30);

    /** The abort whose hook is running, if a signal came: released once the command's outcome is reported. */
    private static volatile AbortOnSignal signalled;

    private final Thread worker = Thread.currentThread();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    AbortOnSignal(String what, PrintWriter err) {
        hook = new Thread(() -> {
            signalled = this;
            err.println("lifeboat: stopping: aborting the " + what + "; nothing half-written is kept");
            err.flush();
            // interrupted first, so that the failure a killed child causes is already seen as the cancellation it is
            worker.interrupt();
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
            try {
                finished.await(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the JVM is halting
            }
        }, "lifeboat-abort");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Lets the JVM exit once the command's outcome (its error, in --json mode its document) has been written:
     * {@link Main} calls it after reporting, since the JVM halts as soon as the hook returns.
     */
    static void reported() {
        AbortOnSignal s = signalled;
        if (s != null) {
            s.finished.countDown();
        }
    }

    @Override
    public void close() {
        if (signalled != this) {
            finished.countDown(); // else the hook waits until the outcome is reported (reported()), or GRACE
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running and now returns
        }
    }
}
