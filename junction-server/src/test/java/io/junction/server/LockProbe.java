package io.junction.server;

import java.nio.file.Path;

/** Run in a child JVM: tries to lock the data directory given as argument and prints what happened. */
final class LockProbe {

    private LockProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (DataDirLock lock = DataDirLock.acquire(Path.of(args[0]))) {
            System.out.println("locked " + lock.dir());
        } catch (StartupException e) {
            System.out.println(e.getMessage());
        }
    }
}
