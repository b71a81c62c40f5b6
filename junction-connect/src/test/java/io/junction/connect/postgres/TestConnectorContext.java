package io.junction.connect.postgres;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;

import io.junction.broker.Broker;
import io.junction.connect.ConnectorContext;

/**
 * A connector's context for tests, in place of the manager's: the broker, options and secrets as given, and state
 * files in {@code stateDir} written as the contract says (temp file, fsync, rename, fsync of the directory).
 */
record TestConnectorContext(Broker broker, String tenant, String name, Map<String, String> options,
        Map<String, String> secrets, Path stateDir) implements ConnectorContext {

    TestConnectorContext {
        options = Map.copyOf(options);
        secrets = Map.copyOf(secrets);
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public Optional<String> secret(String secretName) {
        return Optional.ofNullable(secrets.get(secretName));
    }

    @Override
    public Optional<byte[]> readState(String file) throws IOException {
        Path p = stateDir.resolve(file);
        return Files.exists(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    }

    @Override
    public void writeState(String file, byte[] content) throws IOException {
        Path tmp = stateDir.resolve(file + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(content));
            ch.force(true);
        }
        Files.move(tmp, stateDir.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(stateDir, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
