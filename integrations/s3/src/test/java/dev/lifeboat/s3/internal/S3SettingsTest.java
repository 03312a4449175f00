package dev.lifeboat.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The part-size schedule that lets an object of unknown length fit S3's 10,000 parts. */
class S3SettingsTest {
    static final long MIB = 1024 * 1024;

    @Test
    void partsDoubleEveryThousand() {
        S3Settings s = S3Settings.defaults("b");
        assertThat(s.partSizeFor(1)).isEqualTo(16 * MIB);
        assertThat(s.partSizeFor(1000)).isEqualTo(16 * MIB);
        assertThat(s.partSizeFor(1001)).isEqualTo(32 * MIB);
        assertThat(s.partSizeFor(2001)).isEqualTo(64 * MIB);
        assertThat(s.partSizeFor(10_000)).isEqualTo(S3Settings.MAX_PART_SIZE);
    }

    @Test
    void tenThousandPartsHoldFiveTebibytesFromTheDefaultAndAlmostFromTheMinimum() {
        assertThat(capacity(S3Settings.defaults("b"))).isGreaterThanOrEqualTo(5L << 40);
        long fromMinimum = capacity(S3Settings.defaults("b").withPartSize(S3Settings.MIN_PART_SIZE));
        assertThat(fromMinimum).isGreaterThan(4L << 40).isGreaterThan(1023L * 1000 * S3Settings.MIN_PART_SIZE - 1);
    }

    @Test
    void bigStartingPartsAreCappedAtFiveGib() {
        S3Settings s = S3Settings.defaults("b").withPartSize(S3Settings.MAX_PART_SIZE);
        assertThat(s.partSizeFor(1)).isEqualTo(S3Settings.MAX_PART_SIZE);
        assertThat(s.partSizeFor(9_999)).isEqualTo(S3Settings.MAX_PART_SIZE);
    }

    private static long capacity(S3Settings s) {
        long total = 0;
        for (int part = 1; part <= S3Settings.MAX_PARTS; part++) {
            total += s.partSizeFor(part);
        }
        return total;
    }
}
