package io.junction.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A crash test's child JVM: {@code main} run with this JVM's class path; every line it prints goes to {@code
 * lines} (on a reader thread) and a line {@code READY} opens {@link #awaitReady}. {@link #kill} is SIGKILL.
 * Tests that drive their child in their own way still build its command line with {@link #command} and kill it
 * with {@link #killKeepingOutput}. One instance per child; {@link #kill} from the test's thread.
 */
public final class ChildJvm {

    private final Process process;
    private final Thread reader;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile Exception readerFailure;

    private ChildJvm(List<String> jvmOptions, Class<?> main, Consumer<String> lines, String... args)
            throws IOException {
        process = new ProcessBuilder(command(jvmOptions, main, args)).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
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
     * processed nor dead-lettered" (the fault suite) that the child had in fact printed ({@code ChildJvmTest}).
     */
    public static void killKeepingOutput(Process process) {
        process.toHandle().destroyForcibly();
    }

    /** The command line that runs {@code main} with {@code args} in a JVM like this one, on this class path. */
    public static List<String> command(Class<?> main, String... args) {
        return command(List.of(), main, args);
    }

    /** As {@link #command(Class, String...)}, with {@code jvmOptions} (e.g. {@code -XX:TieredStopAtLevel=1}). */
    public static List<String> command(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    public static ChildJvm start(Class<?> main, Consumer<String> lines, String... args) throws IOException {
        return new ChildJvm(List.of(), main, lines, args);
    }

    /**
     * As {@link #start(Class, Consumer, String...)}, with {@code jvmOptions}: a test that starts many short-lived
     * children starts them faster with {@code -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}.
     */
    public static ChildJvm start(List<String> jvmOptions, Class<?> main, Consumer<String> lines, String... args)
            throws IOException {
        return new ChildJvm(jvmOptions, main, lines, args);
    }

    /** What ended the reading of the child's output other than its end, or null. */
    public Exception readerFailure() {
        return readerFailure;
    }

    /** True once the child printed READY (within a minute). */
    public boolean awaitReady() throws InterruptedException {
        return ready.await(60, TimeUnit.SECONDS);
    }

    /** SIGKILL; returns once the process is gone and every line it printed was handed over. */
    public void kill() throws InterruptedException {
        killKeepingOutput(process);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the child did not die within a minute of SIGKILL");
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
    }
}
