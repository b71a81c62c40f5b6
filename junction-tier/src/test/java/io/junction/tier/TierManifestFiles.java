package io.junction.tier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * For tests that look into or forge a partition's manifest files as an operator (or a crash) would: the snapshot
 * and its journal read as one document, and a document written back as a format 1 manifest (a snapshot alone).
 * Reads change nothing on disk (unlike {@link TierManifest#load}, which cuts a torn line off).
 */
public final class TierManifestFiles {

    private TierManifestFiles() {
    }

    /**
     * The manifest in {@code partitionDir} as one pretty-printed format 1 document (every entry, the journal's
     * changes applied); null when there is no snapshot.
     */
    public static String read(Path partitionDir) throws IOException {
        Path file = partitionDir.resolve(TierManifest.FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        TierManifest.Content snapshot = TierManifest.JSON.readValue(file.toFile(), TierManifest.Content.class);
        List<TierManifest.Entry> entries = new ArrayList<>(snapshot.segments());
        Path journal = partitionDir.resolve(TierManifest.JOURNAL_NAME);
        if (Files.exists(journal)) {
            // as a broker reads it (a line a kill cut short left out), without cutting that line off the file
            TierManifest.Journal read = TierManifest.readJournal(Files.readAllBytes(journal));
            long generation = snapshot.generation() == null ? 0 : snapshot.generation();
            if (read.generation() != null && read.generation() == generation) { // else left behind a newer snapshot
                for (TierManifest.Change c : read.changes()) {
                    if (c.put() != null) {
                        entries.removeIf(e -> e.key().equals(c.put().key()));
                        entries.add(c.put());
                    } else {
                        entries.removeIf(e -> e.key().equals(c.remove()));
                    }
                }
            }
        }
        entries.sort(Comparator.comparingLong(TierManifest.Entry::baseOffset));
        return TierManifest.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(new TierManifest.Content(1,
                snapshot.tenant(), snapshot.station(), snapshot.partition(), null, entries));
    }

    /** Replaces the manifest in {@code partitionDir} by {@code document} (format 1: no journal). */
    public static void write(Path partitionDir, String document) throws IOException {
        Files.deleteIfExists(partitionDir.resolve(TierManifest.JOURNAL_NAME));
        Files.writeString(partitionDir.resolve(TierManifest.FILE_NAME), document);
    }

    /** Deletes the manifest's files (as when they are lost). */
    public static void delete(Path partitionDir) throws IOException {
        Files.deleteIfExists(partitionDir.resolve(TierManifest.JOURNAL_NAME));
        Files.deleteIfExists(partitionDir.resolve(TierManifest.FILE_NAME));
    }
}
