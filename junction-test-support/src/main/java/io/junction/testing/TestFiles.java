package io.junction.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Files for tests: copies of data directories (kept for a post-mortem, or to start again from a state). Deleting
 * a tree is {@code io.junction.log.FileTrees.deleteTree}, the one the broker uses. Stateless.
 */
public final class TestFiles {

    private TestFiles() {
    }

    /**
     * Copies the tree {@code from} into {@code to} (created as needed; files there are replaced), leaving out the
     * files named in {@code skipped} (e.g. a running broker's {@code .lock}).
     */
    public static void copyTree(Path from, Path to, String... skipped) throws IOException {
        Set<String> skip = Set.of(skipped);
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else if (!skip.contains(f.getFileName().toString())) {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
