package io.junction.log;

import java.nio.file.Path;
import java.util.concurrent.Semaphore;

/**
 * The child JVM of {@link CrashTest}: appends {@link TestRecords} in {@code fsync} mode as fast as it can, with
 * many appends in flight, and prints {@code ACK base last} for every append the log acknowledged — until the
 * parent kills it with SIGKILL.
 */
public final class CrashAppender {

    private CrashAppender() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long contentSeed = Long.parseLong(args[1]);
        int maxValue = Integer.parseInt(args[2]);
        LogConfig config = LogConfig.builder().segmentBytes(Long.parseLong(args[3])).indexIntervalBytes(1024).build();
        PartitionLog log = PartitionLog.open(dir, config);
        long next = log.nextOffset();
        System.out.println("READY " + next);
        System.out.flush();
        Semaphore inFlight = new Semaphore(64);
        while (true) {
            int n = 1 + (int) (next % 8);
            inFlight.acquire();
            log.append(TestRecords.batch(contentSeed, next, n, maxValue)).whenComplete((result, error) -> {
                if (error == null) {
                    synchronized (System.out) {
                        System.out.println("ACK " + result.baseOffset() + " " + result.lastOffset());
                        System.out.flush();
                    }
                }
                inFlight.release();
            });
            next += n;
        }
    }
}
