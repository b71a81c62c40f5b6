package io.junction.testing;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The child of {@link ChildJvmTest}: prints lines numbered 1, 2, 3… until it is killed, and after each one
 * writes its number to a file (the page cache outlives a SIGKILL), so the parent knows the last line it printed.
 */
public final class NumberedLinesChild {

    private NumberedLinesChild() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel last = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            System.out.println("READY");
            System.out.flush();
            ByteBuffer number = ByteBuffer.allocate(Long.BYTES);
            for (long n = 1; ; n++) {
                System.out.println(n + " line");
                System.out.flush();
                last.write(number.clear().putLong(0, n), 0);
                if (n % 50 == 0) {
                    Thread.sleep(1);
                }
            }
        }
    }
}
