package io.junction.tier;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
            String text = Files.readString(journal, StandardCharsets.UTF_8);
            // only whole lines: what follows the last newline is a write a kill cut short, which a broker drops
            List<String> lines = List.of(text.substring(0, text.lastIndexOf('\n') + 1).split("\n"));
            long generation = snapshot.generation() == null ? 0 : snapshot.generation();
            for (int i = 0; i < lines.size(); i++) {
                TierManifest.Change c;
                try {
                    c = TierManifest.JSON.readValue(lines.get(i).substring(9), TierManifest.Change.class);
                } catch (IOException | RuntimeException torn) {
                    break; // the last line, cut by a kill
                }
                if (i == 0) {
                    if (c.generation() == null || c.generation() != generation) {
                        break; // a journal left behind a newer snapshot
                    }
                } else if (c.put() != null) {
                    entries.removeIf(e -> e.key().equals(c.put().key()));
                    entries.add(c.put());
                } else {
                    entries.removeIf(e -> e.key().equals(c.remove()));
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
