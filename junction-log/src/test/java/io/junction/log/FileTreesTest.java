package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @TempDir
    Path dir;

    @Test
    void deletesATreeWithEverythingInIt() throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        Files.createDirectories(tree.resolve("empty"));
        Files.writeString(tree.resolve("a/b/00000000000000000000.log"), "bytes");
        Files.writeString(tree.resolve("station.properties"), "x=1");

        FileTrees.deleteTree(tree);

        assertThat(tree).doesNotExist();
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void doesNothingWhenTheTreeIsNotThere() throws Exception {
        FileTrees.deleteTree(dir.resolve("missing"));
        assertThat(dir).isEmptyDirectory();
    }
}
