package io.junction.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest's files: a snapshot and a journal of changes, read back after crashes and damage. */
class TierManifestTest {

    private static final String T = "t";
    private static final String S = "s";

    @TempDir
    Path dir;

    @Test
    void aChangeIsOneJournalLineNotARewriteOfEveryEntry() throws IOException {
        TierManifest m = withFinished(3000);
        byte[] snapshot = Files.readAllBytes(dir.resolve(TierManifest.FILE_NAME));
        long journal = Files.size(dir.resolve(TierManifest.JOURNAL_NAME));

        m.put(entry(3000, TierManifest.State.COPY_STARTED));
        m.put(entry(3000, TierManifest.State.COPY_FINISHED));

        assertThat(Files.readAllBytes(dir.resolve(TierManifest.FILE_NAME))).isEqualTo(snapshot);
        assertThat(Files.size(dir.resolve(TierManifest.JOURNAL_NAME)) - journal)
                .as("two changes appended to the journal").isBetween(200L, 2000L);
        assertThat(TierManifest.parse(snapshot, T, S, 0)).as("the snapshot left as it was").hasSizeGreaterThan(1000);
        assertThat(load().manifest().entries()).hasSize(3001).last()
                .isEqualTo(entry(3000, TierManifest.State.COPY_FINISHED));
    }

    @Test
    void readsBackWhatWasWrittenAcrossSnapshots() throws IOException {
        long seed = System.nanoTime();
        System.out.println("TierManifestTest seed " + seed);
        Random random = new Random(seed);
        TierManifest m = load().manifest();
        Map<String, TierManifest.Entry> model = new LinkedHashMap<>();
        int next = 0;
        for (int op = 0; op < 6000; op++) {
            int r = random.nextInt(10);
            if (r < 4 || model.isEmpty()) {
                TierManifest.Entry e = entry(next++, TierManifest.State.COPY_STARTED);
                m.put(e);
                model.put(e.key(), e);
            } else if (r == 4) { // the same segment uploaded again under another key (as after a dropped upload)
                TierManifest.Entry same = pick(model, random);
                TierManifest.Entry e = new TierManifest.Entry(same.key() + "-again-" + op, same.baseOffset(),
                        same.endOffset(), same.sizeInBytes(), 0, same.records(), same.lastAppendTimeMs(),
                        same.maxTimestamp(), null, null, null, TierManifest.State.COPY_STARTED);
                m.put(e);
                model.put(e.key(), e);
            } else if (r < 8) {
                TierManifest.Entry e = pick(model, random).with(TierManifest.State.COPY_FINISHED);
                m.put(e);
                model.put(e.key(), e);
            } else {
                TierManifest.Entry e = pick(model, random);
                m.remove(e);
                model.remove(e.key());
            }
            if (op % 500 == 499) {
                TierManifest.Loaded loaded = load();
                assertThat(loaded.found()).isEqualTo(TierManifest.Found.READ);
                assertThat(loaded.manifest().entries()).as("seed %d, op %d", seed, op).isEqualTo(sorted(model));
                m = loaded.manifest(); // go on with the reloaded one, as after a restart
            }
        }
        assertThat(load().manifest().entries()).as("seed %d", seed).isEqualTo(sorted(model));
    }

    @Test
    void dropsALastLineACrashCutShortAndGoesOnAfterIt() throws IOException {
        TierManifest m = withFinished(5);
        Path journal = dir.resolve(TierManifest.JOURNAL_NAME);
        byte[] before = Files.readAllBytes(journal);
        m.put(entry(5, TierManifest.State.COPY_STARTED));
        byte[] after = Files.readAllBytes(journal);
        for (int cut = before.length + 1; cut < after.length; cut += 37) {
            Files.write(journal, java.util.Arrays.copyOf(after, cut)); // the write a crash interrupted
            TierManifest.Loaded loaded = load();
            assertThat(loaded.found()).isEqualTo(TierManifest.Found.READ);
            assertThat(loaded.manifest().entries()).as("cut at %d", cut).hasSize(5);
        }
        // a whole line whose bytes are not all there fails its CRC: dropped too
        byte[] torn = java.util.Arrays.copyOf(after, after.length - 1);
        torn[torn.length - 1] = '\n';
        Files.write(journal, torn);
        TierManifest reloaded = load().manifest();
        assertThat(reloaded.entries()).hasSize(5);
        assertThat(Files.readAllBytes(journal)).as("the cut line is cut off the file").isEqualTo(before);

        reloaded.put(entry(6, TierManifest.State.COPY_FINISHED));
        assertThat(load().manifest().entries()).extracting(TierManifest.Entry::baseOffset)
                .containsExactly(0L, 100L, 200L, 300L, 400L, 600L);
    }

    @Test
    void aDamagedLineBeforeAGoodOneMakesTheManifestUnreadableAndIsKeptAside() throws IOException {
        TierManifest m = withFinished(5);
        Path journal = dir.resolve(TierManifest.JOURNAL_NAME);
        byte[] bytes = Files.readAllBytes(journal);
        int secondLine = indexAfterNewlines(bytes, 2);
        bytes[secondLine + 30] ^= 0x01; // one bit of the third line's JSON: its CRC no longer matches
        Files.write(journal, bytes);

        TierManifest.Loaded loaded = load();

        assertThat(loaded.found()).isEqualTo(TierManifest.Found.CORRUPT);
        assertThat(loaded.manifest().entries()).isEmpty();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith(TierManifest.FILE_NAME + ".corrupt-"))
                    .anyMatch(n -> n.startsWith(TierManifest.JOURNAL_NAME + ".corrupt-"))
                    .doesNotContain(TierManifest.FILE_NAME, TierManifest.JOURNAL_NAME);
        }
    }

    @Test
    void doesNotReplayAJournalACrashLeftBehindANewerSnapshot() throws IOException {
        TierManifest m = load().manifest();
        m.put(entry(0, TierManifest.State.COPY_FINISHED));
        m.put(entry(1, TierManifest.State.COPY_STARTED));
        Path journal = dir.resolve(TierManifest.JOURNAL_NAME);
        byte[] old = Files.readAllBytes(journal); // names the generation before the next snapshot
        m.remove(entry(1, TierManifest.State.COPY_STARTED));
        m.replaceAll(m.entries()); // a new snapshot, without entry 1
        Files.write(journal, old); // as if the crash came after the snapshot's rename, before the new journal's

        assertThat(load().manifest().entries()).containsExactly(entry(0, TierManifest.State.COPY_FINISHED));
    }

    @Test
    void readsAFormat1ManifestAndJournalsFromThere() throws IOException {
        String v1 = """
                {
                  "format" : 1,
                  "tenant" : "t",
                  "station" : "s",
                  "partition" : 0,
                  "segments" : [ {
                    "key" : "t/s/0/a.segment", "baseOffset" : 0, "endOffset" : 100, "sizeInBytes" : 1000,
                    "objectBytes" : 1000, "records" : 100, "lastAppendTimeMs" : 5, "maxTimestamp" : 5,
                    "sha256" : "00", "state" : "COPY_FINISHED"
                  } ]
                }
                """;
        Files.writeString(dir.resolve(TierManifest.FILE_NAME), v1);

        TierManifest.Loaded loaded = load();
        assertThat(loaded.found()).isEqualTo(TierManifest.Found.READ);
        assertThat(loaded.manifest().entries()).singleElement().satisfies(e -> {
            assertThat(e.sha256()).isEqualTo("00");
            assertThat(e.readable()).isTrue();
        });
        loaded.manifest().put(entry(1, TierManifest.State.COPY_FINISHED));
        assertThat(load().manifest().entries()).hasSize(2);
    }

    @Test
    void aChangeThatCannotBeWrittenChangesNothing() throws IOException {
        TierManifest m = withFinished(3);
        List<TierManifest.Entry> before = m.entries();
        Path journal = dir.resolve(TierManifest.JOURNAL_NAME);
        byte[] saved = Files.readAllBytes(journal);
        Files.delete(journal);
        Files.createDirectory(journal); // the journal cannot be appended to (a failing disk)

        assertThatThrownBy(() -> m.put(entry(3, TierManifest.State.COPY_STARTED))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> m.put(entry(1, TierManifest.State.DELETE_STARTED))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> m.remove(entry(0, TierManifest.State.COPY_FINISHED)))
                .isInstanceOf(IOException.class);
        assertThat(m.entries()).as("in memory as on disk").isEqualTo(before);

        Files.delete(journal);
        Files.write(journal, saved); // the disk is back
        m.put(entry(3, TierManifest.State.COPY_STARTED));
        assertThat(load().manifest().entries()).hasSize(4).isEqualTo(m.entries());
    }

    @Test
    void aJournalWithoutItsSnapshotIsUnreadable() throws IOException {
        TierManifest m = load().manifest();
        m.put(entry(0, TierManifest.State.COPY_FINISHED));
        Files.delete(dir.resolve(TierManifest.FILE_NAME));

        assertThat(load().found()).isEqualTo(TierManifest.Found.CORRUPT);
    }

    @Test
    void theMirrorsDocumentHoldsEveryEntry() throws IOException {
        TierManifest m = withFinished(1500);
        m.remove(entry(7, TierManifest.State.COPY_FINISHED));

        assertThat(TierManifest.parse(m.bytes(), T, S, 0)).isEqualTo(m.entries()).hasSize(1499);
    }

    @Test
    void aLongHistorysManifestIsMirroredOnceSixteenTimesItsSizeIsUploaded() {
        assertThat(PartitionTier.mirrorNow(0, 0)).as("the first mirror after a start").isTrue();
        assertThat(PartitionTier.mirrorNow(200_000, 1)).as("a small manifest: every round that changed it")
                .isTrue();
        long big = 100L << 20; // 100 MiB: some 300,000 entries
        assertThat(PartitionTier.mirrorNow(big, 15 * big)).isFalse();
        assertThat(PartitionTier.mirrorNow(big, 16 * big)).isTrue();
    }

    /** A new manifest in {@link #dir} with the first {@code n} segments' entries, finished. */
    private TierManifest withFinished(int n) throws IOException {
        TierManifest m = load().manifest();
        for (int i = 0; i < n; i++) {
            m.put(entry(i, TierManifest.State.COPY_FINISHED));
        }
        return m;
    }

    private TierManifest.Loaded load() throws IOException {
        return TierManifest.load(dir, T, S, 0);
    }

    /** The entry of the i-th segment (100 offsets each), in {@code state}. */
    private static TierManifest.Entry entry(int i, TierManifest.State state) {
        boolean done = state == TierManifest.State.COPY_FINISHED;
        return new TierManifest.Entry(String.format("t/s/0/%020d-%020d-%08d.segment", i * 100L, i * 100L + 100, i),
                i * 100L, i * 100L + 100, 16L << 20, done ? 16L << 20 : 0, 100, 1_700_000_000_000L + i,
                1_700_000_000_000L + i, done ? "0a1b2c3d" : null, null, null, state);
    }

    private static TierManifest.Entry pick(Map<String, TierManifest.Entry> model, Random random) {
        return new ArrayList<>(model.values()).get(random.nextInt(model.size()));
    }

    private static List<TierManifest.Entry> sorted(Map<String, TierManifest.Entry> model) {
        return model.values().stream()
                .sorted(java.util.Comparator.comparingLong(TierManifest.Entry::baseOffset)).toList();
    }

    private static int indexAfterNewlines(byte[] bytes, int n) {
        int seen = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n' && ++seen == n) {
                return i + 1;
            }
        }
        throw new AssertionError("fewer than " + n + " lines: " + new String(bytes, StandardCharsets.UTF_8));
    }
}
