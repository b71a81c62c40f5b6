package io.junction.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the segment files. Production uses {@link FileChannel#open}; fault tests pass one that wraps the
 * channel to cut the power, fill the disk or fail an fsync at a chosen moment.
 */
@FunctionalInterface
interface ChannelOpener {

    ChannelOpener DEFAULT = FileChannel::open;

    FileChannel open(Path file, OpenOption... options) throws IOException;
}
