package dev.lifeboat.api;

import java.time.Duration;

/**
 * A store holds a backup dated further in the future than clocks may drift: a backup started now would sort before
 * it, so "latest" (what a restore, a status check and retention go by) would still name the older data. Nothing was
 * written. Set the clock right; a backup whose own date is wrong can be moved aside (docs/runbook.md).
 */
public final class ClockSkewException extends LifeboatException {
    private static final long serialVersionUID = 1L;
    /** How far ahead of this clock a backup may be dated before backups stop: more than NTP-run clocks drift. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    private final BackupId newest;

    public ClockSkewException(BackupId newest, String store, Duration ahead) {
        super(ErrorCode.CLOCK_SKEW, "backup " + newest + " in " + store + " is dated " + words(ahead)
                + " after this machine's clock: this clock is behind, or the clock of the machine that made that backup"
                + " was ahead. A backup now would not be the latest, so none was made; set the clock right (NTP), or,"
                + " if that backup's date is wrong, move it out of the store's backups/ folder");
        this.newest = newest;
    }

    /** The future-dated backup. */
    public BackupId newest() {
        return newest;
    }

    private static String words(Duration d) {
        long s = d.getSeconds();
        if (s >= 2 * 86_400) {
            return (s / 86_400) + " days";
        }
        if (s >= 2 * 3_600) {
            return (s / 3_600) + " hours";
        }
        return (s / 60) + " minutes";
    }
}
