package io.junction.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestFilesTest {

    @TempDir
    Path dir;

    @Test
    void copiesEveryFileAndDirectoryButTheSkippedNames() throws Exception {
        Path from = dir.resolve("from");
        Files.createDirectories(from.resolve("a/b"));
        Files.createDirectories(from.resolve("empty"));
        Files.writeString(from.resolve("a/b/data.log"), "bytes");
        Files.writeString(from.resolve(".lock"), "");
        Path to = dir.resolve("to");

        TestFiles.copyTree(from, to, ".lock");

        assertThat(to.resolve("a/b/data.log")).hasContent("bytes");
        assertThat(to.resolve("empty")).isDirectory();
        assertThat(to.resolve(".lock")).doesNotExist();
    }
}
