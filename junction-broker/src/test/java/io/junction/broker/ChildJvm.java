package io.junction.broker;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A crash test's child JVM: {@code main} run with this JVM's class path; every line it prints goes to {@code
 * lines} (on a reader thread) and a line {@code READY} opens {@link #awaitReady}. {@link #kill} is SIGKILL.
 */
final class ChildJvm {

    private final Process process;
    private final Thread reader;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile Exception readerFailure;

    private ChildJvm(Class<?> main, Consumer<String> lines, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String[] command = new String[args.length + 4];
        command[0] = java;
        command[1] = "-cp";
        command[2] = System.getProperty("java.class.path");
        command[3] = main.getName();
        System.arraycopy(args, 0, command, 4, args.length);
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals("READY")) {
                        ready.countDown();
                    } else {
                        lines.accept(line);
                    }
                }
            } catch (IOException | RuntimeException e) {
                readerFailure = e; // the child died (that is the point), or reading its output failed: kept
            }
        }, "child-output");
        reader.start();
    }

    /**
     * SIGKILL, leaving this JVM's ends of the child's pipes open, so that every line the child wrote before it died
     * can still be read. {@link Process#destroyForcibly()} closes them: the lines still in the pipe were lost, and
     * the crash tests saw messages "acked yet never seen" (GroupStateCrashTest, about 1 run in 40) or "neither
     * processed nor dead-lettered" (the fault suite) that the child had in fact printed ({@link ChildJvmTest}).
     */
    static void killKeepingOutput(Process process) {
        process.toHandle().destroyForcibly();
    }

    static ChildJvm start(Class<?> main, Consumer<String> lines, String... args) throws IOException {
        return new ChildJvm(main, lines, args);
    }

    /** What ended the reading of the child's output other than its end, or null. */
    Exception readerFailure() {
        return readerFailure;
    }

    /** True once the child printed READY (within a minute). */
    boolean awaitReady() throws InterruptedException {
        return ready.await(60, TimeUnit.SECONDS);
    }

    /** SIGKILL; returns once the process is gone and every line it printed was handed over. */
    void kill() throws InterruptedException {
        killKeepingOutput(process);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the child did not die within a minute of SIGKILL");
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
    }
}
