package dev.lifeboat.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The part-size schedule that lets an object of unknown length fit S3's 10,000 parts. */
class S3SettingsTest {
    static final long MIB = 1024 * 1024;

    @Test
    void partsDoubleEveryThousand() {
        S3Settings s = S3Settings.defaults("b");
        assertThat(s.partSizeFor(1)).isEqualTo(8 * MIB);
        assertThat(s.partSizeFor(1000)).isEqualTo(8 * MIB);
        assertThat(s.partSizeFor(1001)).isEqualTo(16 * MIB);
        assertThat(s.partSizeFor(2001)).isEqualTo(32 * MIB);
        assertThat(s.partSizeFor(10_000)).as("4 GiB: 10,000 parts then hold 8 TiB").isEqualTo(8 * MIB << 9);
    }

    @Test
    void tenThousandPartsHoldFiveTebibytesWhateverTheFirstPartSize() {
        for (long first : new long[] {S3Settings.MIN_PART_SIZE, S3Settings.MIN_PART_SIZE + 1, 5_373_956, 6 * MIB,
                S3Settings.DEFAULT_PART_SIZE, 100 * MIB, S3Settings.MAX_PART_SIZE}) {
            S3Settings s = S3Settings.defaults("b").withPartSize(first);
            assertThat(capacity(s)).as("from %d-byte parts", first).isGreaterThanOrEqualTo(S3Settings.MAX_OBJECT_SIZE);
            assertThat(s.partSizeFor(9_000)).as("only the last thousand parts grow for it").isEqualTo(Math.min(first << 8,
                    S3Settings.MAX_PART_SIZE));
        }
        // from the minimum, the last parts are a little larger than doubling alone would make them
        S3Settings min = S3Settings.defaults("b").withPartSize(S3Settings.MIN_PART_SIZE);
        assertThat(min.partSizeFor(9_001)).isGreaterThan(S3Settings.MIN_PART_SIZE << 9).isLessThan(S3Settings.MAX_PART_SIZE);
        assertThat(S3Settings.defaults("b").withPartSize(6 * MIB).partSizeFor(9_001)).as("enough already").isEqualTo(6 * MIB << 9);
    }

    @Test
    void bigStartingPartsAreCappedAtFiveGib() {
        S3Settings s = S3Settings.defaults("b").withPartSize(S3Settings.MAX_PART_SIZE);
        assertThat(s.partSizeFor(1)).isEqualTo(S3Settings.MAX_PART_SIZE);
        assertThat(s.partSizeFor(9_999)).isEqualTo(S3Settings.MAX_PART_SIZE);
    }

    @Test
    void memoryStaysAtTheFirstPartsBudgetOrTwoPartsWhicheverIsLarger() {
        for (S3Settings s : new S3Settings[] {S3Settings.defaults("b"), S3Settings.defaults("b").withPartSize(S3Settings.MIN_PART_SIZE),
                S3Settings.defaults("b").withParallelParts(1), S3Settings.defaults("b").withParallelParts(16)}) {
            long budget = (s.parallelParts() + 1L) * s.partSize();
            for (int part = 1; part <= S3Settings.MAX_PARTS; part++) {
                long memory = s.buffersFor(part) * s.partSizeFor(part);
                assertThat(memory).as("part %d", part).isLessThanOrEqualTo(Math.max(budget, 2 * s.partSizeFor(part)));
                assertThat(s.buffersFor(part)).isBetween(2, s.parallelParts() + 1);
            }
        }
        S3Settings d = S3Settings.defaults("b");
        assertThat(d.buffersFor(1) * d.partSizeFor(1)).as("8 MiB parts, 4 uploading and 1 filling").isEqualTo(40 * MIB);
        assertThat(d.buffersFor(1001) * d.partSizeFor(1001)).as("16 MiB parts").isEqualTo(32 * MIB);
        assertThat(d.buffersFor(2001) * d.partSizeFor(2001)).as("32 MiB parts, was 160 MiB").isEqualTo(64 * MIB);
    }

    private static long capacity(S3Settings s) {
        long total = 0;
        for (int part = 1; part <= S3Settings.MAX_PARTS; part++) {
            total += s.partSizeFor(part);
        }
        return total;
    }
}
