package io.junction.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Whole directory trees, for the log, the broker, the benchmarks and the tests: the one {@link #deleteTree}. Making
 * a directory's entries durable is {@link DurableFiles#fsyncDirectory}. Stateless; thread-safe.
 */
public final class FileTrees {

    private FileTrees() {
    }

    /**
     * Deletes {@code dir} and everything below it, children before parents; nothing when it does not exist. Not
     * atomic: a crash in the middle leaves part of the tree, so crash-safe callers first rename the tree to a name
     * that recovery deletes again (the broker's trash directories).
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
