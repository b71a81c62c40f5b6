package io.junction.connect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.junction.broker.Broker;
import io.junction.broker.BrokerException;
import io.junction.broker.Names;
import io.junction.broker.TenantInfo;
import io.junction.errors.ErrorCode;
import io.junction.log.DurableFiles;
import io.junction.log.FileTrees;

/**
 * The broker's connectors: their durable configurations (one directory per connector under its tenant,
 * {@code DATA/tenants/T/connectors/NAME/}, holding {@code connector.json} and the connector's own {@code state/}),
 * their secrets sealed by a {@link SecretBox}, and their lifecycle: a connector runs from its creation (or the
 * broker's start) until it is paused, deleted, or the broker stops; a paused one stays paused across restarts.
 * Bounded: at most {@code maxConnectors} in the broker, {@value #MAX_OPTIONS} options of up to
 * {@value #MAX_VALUE_CHARS} characters, secrets of up to {@value #MAX_SECRET_CHARS} characters. Thread-safe.
 */
public final class Connectors implements AutoCloseable {

    static final String DIR = "connectors";
    static final String SPEC_FILE = "connector.json";
    static final String STATE_DIR = "state";
    /** The default key file, under the data directory (outside every tenant's directory). */
    public static final String KEY_FILE = "connector-secrets.key";
    static final int MAX_OPTIONS = 64;
    static final int MAX_VALUE_CHARS = 4096;
    static final int MAX_SECRET_CHARS = 65_536;
    private static final java.util.regex.Pattern OPTION_NAME =
            java.util.regex.Pattern.compile("[a-z][a-z0-9-]{0,63}(\\.[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128})?");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Broker broker;
    private final Path dataDir;
    private final SecretBox box;
    private final Map<String, ConnectorType> types;
    private final int maxConnectors;
    /** By tenant, then name. */
    private final Map<String, Map<String, Entry>> connectors = new ConcurrentHashMap<>();
    private boolean closed;

    /** A stored connector, and its running instance (null while paused or when it could not be built). */
    private static final class Entry {
        final Spec spec;
        Connector running;
        ConnectorStatus lastStatus;

        Entry(Spec spec) {
            this.spec = spec;
        }
    }

    /** What {@code connector.json} holds. Secrets sealed. */
    record Spec(String tenant, String name, String type, Map<String, String> options,
            Map<String, String> sealedSecrets, boolean paused, long createdMs) {

        Spec withPaused(boolean paused) {
            return new Spec(tenant, name, type, options, sealedSecrets, paused, createdMs);
        }
    }

    private Connectors(Broker broker, Path dataDir, SecretBox box, Collection<ConnectorType> types,
            int maxConnectors) {
        this.broker = broker;
        this.dataDir = dataDir;
        this.box = box;
        Map<String, ConnectorType> byName = new TreeMap<>();
        types.forEach(t -> byName.put(t.name(), t));
        this.types = Map.copyOf(byName);
        this.maxConnectors = maxConnectors;
    }

    /**
     * Opens the connectors stored under {@code dataDir} and starts those not paused. A connector whose file cannot
     * be read, or whose type is unknown, is listed as failed with the reason (delete it, or fix the broker): the
     * broker starts anyway.
     *
     * @param keyFile the secrets' key file; null: {@value #KEY_FILE} in {@code dataDir}
     */
    public static Connectors open(Broker broker, Path dataDir, Path keyFile, Collection<ConnectorType> types,
            int maxConnectors) throws IOException {
        SecretBox box = SecretBox.open(keyFile == null ? dataDir.resolve(KEY_FILE) : keyFile);
        Connectors c = new Connectors(broker, dataDir, box, types, maxConnectors);
        for (TenantInfo tenant : broker.listTenants()) {
            Path dir = c.tenantDir(tenant.name());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> list = Files.list(dir)) {
                for (Path connectorDir : list.sorted().toList()) {
                    c.load(tenant.name(), connectorDir);
                }
            }
        }
        return c;
    }

    private void load(String tenant, Path dir) {
        String name = dir.getFileName().toString();
        Entry entry;
        try {
            Spec spec = JSON.readValue(Files.readAllBytes(dir.resolve(SPEC_FILE)), Spec.class);
            entry = new Entry(new Spec(tenant, name, spec.type(), spec.options(), spec.sealedSecrets(), spec.paused(),
                    spec.createdMs()));
        } catch (IOException | RuntimeException e) {
            entry = new Entry(new Spec(tenant, name, "?", Map.of(), Map.of(), true, 0));
            entry.lastStatus = failed("its configuration " + dir.resolve(SPEC_FILE) + " cannot be read: " + e);
            connectors.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>()).put(name, entry);
            return;
        }
        connectors.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>()).put(name, entry);
        if (!entry.spec.paused()) {
            start(entry);
        } else {
            entry.lastStatus = ConnectorStatus.of(ConnectorStatus.State.PAUSED);
        }
    }

    private static ConnectorStatus failed(String error) {
        return new ConnectorStatus(ConnectorStatus.State.FAILED, error, "", -1, "", Map.of(), List.of());
    }

    /** Builds and starts the entry's connector; a failure to build shows as its status. */
    private void start(Entry entry) {
        ConnectorType type = types.get(entry.spec.type());
        if (type == null) {
            entry.lastStatus = failed("this broker has no connector type " + Names.quote(entry.spec.type())
                    + " (types: " + String.join(", ", types.keySet()) + ")");
            return;
        }
        try {
            Connector connector = type.create(context(entry.spec));
            entry.running = connector;
            entry.lastStatus = null;
            connector.start();
        } catch (RuntimeException e) {
            entry.running = null;
            entry.lastStatus = failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    // ----- the calls ---------------------------------------------------------------------------------------------

    /**
     * Creates a connector and starts it. Nothing is stored when it is refused.
     *
     * @throws BrokerException UNKNOWN_TENANT, INVALID_NAME, CONNECTOR_EXISTS, INVALID_CONFIG (unknown type, unknown
     *     or missing option, a bad value: the message names it), UNKNOWN_STATION, QUOTA_EXCEEDED past the
     *     broker's connector limit
     */
    public synchronized ConnectorInfo create(String tenant, String name, String type, Map<String, String> options,
            Map<String, String> secrets) {
        checkOpen();
        String t = broker.tenantInfo(tenant == null || tenant.isEmpty() ? Broker.DEFAULT_TENANT : tenant).name();
        Names.check("connector", name);
        ConnectorType kind = types.get(type);
        if (kind == null) {
            throw invalid("unknown connector type " + Names.quote(type) + ": use one of "
                    + String.join(", ", types.keySet()));
        }
        checkOptions(kind, options, secrets);
        if (connectors.getOrDefault(t, Map.of()).containsKey(name)) {
            throw new BrokerException(ErrorCode.CONNECTOR_EXISTS, "connector " + name + " already exists in tenant "
                    + t);
        }
        int count = connectors.values().stream().mapToInt(Map::size).sum();
        if (count >= maxConnectors) {
            throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "the broker runs " + count
                    + " connectors, its limit (--max-connectors " + maxConnectors + "): delete one first");
        }
        Map<String, String> sealed = new TreeMap<>();
        secrets.forEach((k, v) -> sealed.put(k, box.seal(sealContext(t, name, k), v)));
        Spec spec = new Spec(t, name, type, new TreeMap<>(options), sealed, false, System.currentTimeMillis());
        kind.validate(context(spec));
        Path dir = tenantDir(t).resolve(name);
        try {
            FileTrees.deleteTree(dir); // a leftover of a deletion cut short
            Files.createDirectories(dir.resolve(STATE_DIR));
            writeSpec(spec);
            DurableFiles.fsyncDirectory(dir.getParent());
        } catch (IOException e) {
            throw new BrokerException(ErrorCode.STORAGE_ERROR, "connector " + name + " cannot be stored: " + e, e);
        }
        Entry entry = new Entry(spec);
        connectors.computeIfAbsent(t, x -> new ConcurrentHashMap<>()).put(name, entry);
        start(entry);
        return info(entry);
    }

    private static void checkOptions(ConnectorType kind, Map<String, String> options, Map<String, String> secrets) {
        if (options.size() > MAX_OPTIONS || secrets.size() > MAX_OPTIONS) {
            throw invalid("at most " + MAX_OPTIONS + " options and " + MAX_OPTIONS + " secrets");
        }
        options.forEach((k, v) -> {
            checkName(k, kind.options(), "option");
            if (v == null || v.length() > MAX_VALUE_CHARS || v.chars().anyMatch(c -> c < 0x20 && c != '\t')) {
                throw invalid("option " + k + ": a value of at most " + MAX_VALUE_CHARS
                        + " characters, without control characters");
            }
        });
        secrets.forEach((k, v) -> {
            checkName(k, kind.secrets(), "secret");
            if (v == null || v.isEmpty() || v.length() > MAX_SECRET_CHARS) {
                throw invalid("secret " + k + ": 1 to " + MAX_SECRET_CHARS + " characters");
            }
        });
        for (String required : kind.required()) {
            if (!options.containsKey(required) || options.get(required).isBlank()) {
                throw invalid("connector type " + kind.name() + " needs option " + required + " ("
                        + kind.options().getOrDefault(required, "") + ")");
            }
        }
    }

    /** {@code name} is one of {@code known}, or matches a known {@code prefix.*}. */
    private static void checkName(String name, Map<String, String> known, String what) {
        boolean ok = name != null && OPTION_NAME.matcher(name).matches() && (known.containsKey(name)
                || name.indexOf('.') > 0 && known.containsKey(name.substring(0, name.indexOf('.')) + ".*"));
        if (!ok) {
            throw invalid("unknown " + what + " " + Names.quote(name) + ": this type takes "
                    + (known.isEmpty() ? "none" : String.join(", ", new TreeSet<>(known.keySet()))));
        }
    }

    private static BrokerException invalid(String message) {
        return new BrokerException(ErrorCode.INVALID_CONFIG, message);
    }

    public ConnectorInfo info(String tenant, String name) {
        return info(entry(tenant, name));
    }

    /** The tenant's connectors, by name. */
    public List<ConnectorInfo> list(String tenant) {
        String t = broker.tenantInfo(tenant == null || tenant.isEmpty() ? Broker.DEFAULT_TENANT : tenant).name();
        return new TreeMap<>(connectors.getOrDefault(t, Map.of())).values().stream().map(this::info).toList();
    }

    /** Stops the connector and keeps it stopped, across restarts too, until {@link #resume}. Idempotent. */
    public synchronized ConnectorInfo pause(String tenant, String name) {
        Entry entry = entry(tenant, name);
        if (!entry.spec.paused()) {
            stop(entry);
            Entry paused = replace(entry, entry.spec.withPaused(true));
            paused.lastStatus = pausedStatus(entry.lastStatus);
            return info(paused);
        }
        return info(entry);
    }

    /** Starts a paused connector again (from its durable position). Idempotent. */
    public synchronized ConnectorInfo resume(String tenant, String name) {
        Entry entry = entry(tenant, name);
        if (entry.spec.paused() && !entry.spec.type().equals("?")) {
            Entry resumed = replace(entry, entry.spec.withPaused(false));
            start(resumed);
            return info(resumed);
        }
        return info(entry);
    }

    /**
     * Stops the connector, releases what it holds outside the broker (its replication slot) and deletes it.
     *
     * @return warnings: what could not be released (the deletion went on)
     */
    public synchronized List<String> delete(String tenant, String name) {
        Entry entry = entry(tenant, name);
        List<String> warnings = new ArrayList<>();
        stop(entry);
        release(entry, warnings);
        connectors.get(entry.spec.tenant()).remove(entry.spec.name());
        try {
            FileTrees.deleteTree(tenantDir(entry.spec.tenant()).resolve(entry.spec.name()));
        } catch (IOException e) {
            warnings.add("its directory could not be deleted: " + e);
        }
        return warnings;
    }

    /** Stops and releases a deleted tenant's connectors (their files went with the tenant's directory). */
    public synchronized List<String> forgetTenant(String tenant) {
        List<String> warnings = new ArrayList<>();
        Map<String, Entry> gone = connectors.remove(tenant);
        if (gone != null) {
            for (Entry entry : gone.values()) {
                stop(entry);
                release(entry, warnings);
            }
        }
        return warnings;
    }

    /** Stops every connector (their positions stay durable); they start again when the broker opens them. */
    @Override
    public synchronized void close() {
        closed = true;
        connectors.values().forEach(m -> m.values().forEach(this::stop));
    }

    // ----- internals ---------------------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new BrokerException(ErrorCode.SHUTTING_DOWN, "the broker is shutting down");
        }
    }

    private Entry entry(String tenant, String name) {
        checkOpen();
        String t = broker.tenantInfo(tenant == null || tenant.isEmpty() ? Broker.DEFAULT_TENANT : tenant).name();
        Entry entry = connectors.getOrDefault(t, Map.of()).get(name);
        if (entry == null) {
            throw new BrokerException(ErrorCode.UNKNOWN_CONNECTOR, "no connector " + Names.quote(name)
                    + " in tenant " + t);
        }
        return entry;
    }

    /** Stores {@code spec} and puts a new entry for it in place of {@code old} (not started). */
    private Entry replace(Entry old, Spec spec) {
        try {
            writeSpec(spec);
        } catch (IOException e) {
            throw new BrokerException(ErrorCode.STORAGE_ERROR, "connector " + spec.name() + " cannot be stored: "
                    + e, e);
        }
        Entry entry = new Entry(spec);
        entry.running = old.running;
        entry.lastStatus = old.lastStatus;
        connectors.get(spec.tenant()).put(spec.name(), entry);
        return entry;
    }

    private void stop(Entry entry) {
        Connector running = entry.running;
        if (running != null) {
            running.stop();
            entry.lastStatus = running.status();
            entry.running = null;
        }
    }

    private void release(Entry entry, List<String> warnings) {
        ConnectorType type = types.get(entry.spec.type());
        if (type == null) {
            return;
        }
        try {
            type.create(context(entry.spec)).release();
        } catch (Exception e) {
            warnings.add("connector " + entry.spec.name() + ": " + (e.getMessage() == null ? e : e.getMessage()));
        }
    }

    private static ConnectorStatus pausedStatus(ConnectorStatus last) {
        if (last == null) {
            return ConnectorStatus.of(ConnectorStatus.State.PAUSED);
        }
        return new ConnectorStatus(ConnectorStatus.State.PAUSED, last.lastError(), last.position(), last.lag(),
                last.lagUnit(), last.counts(), last.warnings());
    }

    private ConnectorInfo info(Entry entry) {
        Connector running = entry.running;
        ConnectorStatus status = running != null ? running.status()
                : entry.lastStatus != null ? entry.lastStatus
                : ConnectorStatus.of(entry.spec.paused() ? ConnectorStatus.State.PAUSED
                        : ConnectorStatus.State.STOPPED);
        if (entry.spec.paused() && status.state() != ConnectorStatus.State.FAILED) {
            status = pausedStatus(status);
        }
        return new ConnectorInfo(entry.spec.tenant(), entry.spec.name(), entry.spec.type(), entry.spec.options(),
                entry.spec.sealedSecrets().keySet(), entry.spec.paused(), entry.spec.createdMs(), status);
    }

    private Path tenantDir(String tenant) {
        return dataDir.resolve("tenants").resolve(tenant).resolve(DIR);
    }

    private void writeSpec(Spec spec) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("tenant", spec.tenant());
        json.put("name", spec.name());
        json.put("type", spec.type());
        json.put("options", spec.options());
        json.put("sealedSecrets", spec.sealedSecrets());
        json.put("paused", spec.paused());
        json.put("createdMs", spec.createdMs());
        DurableFiles.writePrivate(tenantDir(spec.tenant()).resolve(spec.name()).resolve(SPEC_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
    }

    private static String sealContext(String tenant, String name, String secret) {
        return tenant + "/" + name + "/" + secret;
    }

    private ConnectorContext context(Spec spec) {
        Path state = tenantDir(spec.tenant()).resolve(spec.name()).resolve(STATE_DIR);
        return new ConnectorContext() {
            @Override
            public Broker broker() {
                return broker;
            }

            @Override
            public String tenant() {
                return spec.tenant();
            }

            @Override
            public String name() {
                return spec.name();
            }

            @Override
            public Map<String, String> options() {
                return spec.options();
            }

            @Override
            public Optional<String> secret(String name) {
                String sealed = spec.sealedSecrets().get(name);
                return sealed == null ? Optional.empty()
                        : Optional.of(box.open(sealContext(spec.tenant(), spec.name(), name), sealed));
            }

            @Override
            public java.util.Set<String> secretNames() {
                return spec.sealedSecrets().keySet();
            }

            @Override
            public Path stateDir() {
                return state;
            }

            @Override
            public Optional<byte[]> readState(String file) throws IOException {
                Path path = state.resolve(checkedFile(file));
                return Files.exists(path) ? Optional.of(Files.readAllBytes(path)) : Optional.empty();
            }

            @Override
            public void writeState(String file, byte[] content) throws IOException {
                Files.createDirectories(state);
                DurableFiles.write(state.resolve(checkedFile(file)), content);
            }
        };
    }

    private static String checkedFile(String file) {
        if (!file.matches("[a-z0-9][a-z0-9_.-]{0,63}") || file.endsWith(DurableFiles.TEMP_SUFFIX)) {
            throw new IllegalArgumentException("state file name " + file);
        }
        return file;
    }

    /** For tests: the spec file's text. */
    static String specText(Path dataDir, String tenant, String name) throws IOException {
        return Files.readString(dataDir.resolve("tenants").resolve(tenant).resolve(DIR).resolve(name)
                .resolve(SPEC_FILE), StandardCharsets.UTF_8);
    }
}
