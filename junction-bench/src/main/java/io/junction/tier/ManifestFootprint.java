package io.junction.tier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * {@code junction-bench/run tier --manifest-entries N}: what a partition's tier manifest of N remote segments costs:
 * the heap a broker holds for it once restarted (the manifest and its readable list), its files, and the time of a
 * change (one journal line, fsynced). In the tier's package (a split package on the benchmark's class path) to reach
 * the package-private manifest.
 */
public final class ManifestFootprint {

    private ManifestFootprint() {
    }

    public static void run(int entries, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TierManifest written = TierManifest.load(dir, "default", "orders-eu", 0).manifest();
        long start = System.nanoTime();
        for (int i = 0; i < entries; i++) {
            written.put(entry(i));
        }
        double perChangeMs = (System.nanoTime() - start) / 1e6 / entries;
        written = null;
        long before = usedAfterGc();
        TierManifest loaded = TierManifest.load(dir, "default", "orders-eu", 0).manifest();
        List<TierManifest.Entry> readable = loaded.entries().stream().filter(TierManifest.Entry::readable).toList();
        long after = usedAfterGc();
        System.out.printf(Locale.ROOT, "manifest of %d remote segments: %.1f MB of heap once loaded (%.0f bytes per "
                + "segment: the manifest and its readable list); snapshot %.1f MB, journal %.1f MB; a change %.3f ms "
                + "(one journal line, fsynced; a snapshot now and then)%n", readable.size(), (after - before) / 1e6,
                (after - before) / (double) entries, Files.size(dir.resolve(TierManifest.FILE_NAME)) / 1e6,
                Files.size(dir.resolve(TierManifest.JOURNAL_NAME)) / 1e6, perChangeMs);
        if (loaded.isEmpty()) {
            throw new IllegalStateException("nothing loaded"); // keeps the loaded manifest reachable until here
        }
    }

    /** A finished entry as the worker writes one: a 1 GiB segment of a million offsets, encrypted. */
    private static TierManifest.Entry entry(int i) {
        long base = i * 1_000_000L;
        return new TierManifest.Entry(String.format(Locale.ROOT, "default/orders-eu/0/%020d-%020d-%s.segment", base,
                base + 1_000_000, UUID.randomUUID()), base, base + 1_000_000, 1L << 30, (1L << 30) + 4096,
                1_000_000, 1_700_000_000_000L + i, 1_700_000_000_000L + i,
                String.format(Locale.ROOT, "%08x", i * 2_654_435_761L & 0xffffffffL), null, "k1",
                TierManifest.State.COPY_FINISHED);
    }

    private static long usedAfterGc() throws InterruptedException {
        Runtime r = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return r.totalMemory() - r.freeMemory();
    }
}
