package io.junction.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash tests' harness reads every line a child printed before it was killed. With {@link
 * Process#destroyForcibly()} about one kill in twelve lost the last lines still in the pipe (it closes this JVM's
 * end), which made GroupStateCrashTest and the fault suite report messages acked yet never seen. Seed printed;
 * {@code -Dchildjvm.seed=N}.
 */
class ChildJvmTest {

    private static final int KILLS = 12;

    @TempDir
    Path dir;

    @Test
    void everyLineAChildPrintedBeforeItWasKilledIsRead() throws Exception {
        String fixed = System.getProperty("childjvm.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println("ChildJvmTest: seed=" + seed + " (replay with -Dchildjvm.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int kill = 0; kill < KILLS; kill++) {
            Path lastPrinted = dir.resolve("last-" + kill);
            AtomicLong lastRead = new AtomicLong();
            ChildJvm child = ChildJvm.start(NumberedLinesChild.class,
                    line -> lastRead.set(Long.parseLong(line.substring(0, line.indexOf(' ')))), lastPrinted.toString());
            assertThat(child.awaitReady()).isTrue();
            Thread.sleep(20 + random.nextInt(200)); // a random moment; nothing is asserted on timing
            child.kill();
            byte[] number = Files.readAllBytes(lastPrinted);
            long printed = number.length < Long.BYTES ? 0 : ByteBuffer.wrap(number).getLong();
            assertThat(child.readerFailure()).as("seed %d kill %d: reading the output", seed, kill).isNull();
            assertThat(lastRead.get()).as("seed %d kill %d: the last line read (the child printed %d)", seed, kill,
                    printed).isGreaterThanOrEqualTo(printed);
        }
    }
}
