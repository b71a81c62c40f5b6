package io.junction.connect.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import io.junction.broker.Broker;
import io.junction.connect.ConnectorContext;

/** A connector's context for tests: a broker in process, options and secrets as given, state in a directory. */
final class TestContext implements ConnectorContext {

    private final Broker broker;
    private final String name;
    private final Map<String, String> options;
    private final Map<String, String> secrets;
    private final Path stateDir;

    TestContext(Broker broker, String name, Map<String, String> options, Map<String, String> secrets, Path stateDir) {
        this.broker = broker;
        this.name = name;
        this.options = Map.copyOf(options);
        this.secrets = Map.copyOf(secrets);
        this.stateDir = stateDir;
    }

    /** These options with {@code name} set to {@code value}. */
    TestContext with(String option, String value) {
        Map<String, String> o = new TreeMap<>(options);
        o.put(option, value);
        return new TestContext(broker, name, o, secrets, stateDir);
    }

    TestContext withSecret(String secret, String value) {
        Map<String, String> s = new TreeMap<>(secrets);
        s.put(secret, value);
        return new TestContext(broker, name, options, s, stateDir);
    }

    @Override
    public Broker broker() {
        return broker;
    }

    @Override
    public String tenant() {
        return Broker.DEFAULT_TENANT;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, String> options() {
        return options;
    }

    @Override
    public Optional<String> secret(String secret) {
        return Optional.ofNullable(secrets.get(secret));
    }

    @Override
    public Set<String> secretNames() {
        return secrets.keySet();
    }

    @Override
    public Path stateDir() {
        return stateDir;
    }

    @Override
    public Optional<byte[]> readState(String file) throws IOException {
        Path p = stateDir.resolve(file);
        return Files.exists(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    }

    @Override
    public void writeState(String file, byte[] content) throws IOException {
        Files.createDirectories(stateDir);
        Files.write(stateDir.resolve(file), content);
    }
}
