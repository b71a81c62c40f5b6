package io.junction.broker.internal;

import io.junction.broker.BrokerException;
import io.junction.broker.Names;
import io.junction.broker.SchemaInfo;
import io.junction.errors.ErrorCode;
import io.junction.log.DurableFiles;
import io.junction.log.FileTrees;
import io.junction.schema.Compatibility;
import io.junction.schema.ParsedSchema;
import io.junction.schema.SchemaException;
import io.junction.schema.SchemaType;
import io.junction.schema.Schemas;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/**
 * A tenant's schema registry (issue #6): named schemas, each with a type, a compatibility mode and immutable
 * versions 1..n. Kept on disk, every file written through a temp file, fsynced and renamed:
 *
 * <pre>
 * DATA/tenants/TENANT/schemas/NAME/schema.properties   type, compatibility, created.at.ms
 * DATA/tenants/TENANT/schemas/NAME/N.def               version N's definition, as given (UTF-8)
 * DATA/tenants/TENANT/schemas/NAME/N.message-type      protobuf: version N's message type (written before N.def)
 * </pre>
 *
 * A schema is created in {@code NAME~new} (not a valid name, so never a schema's) and renamed into place, so it
 * exists whole or not at all; a version
 * exists once its file does (versions are numbered by the files present, so a crash while adding one leaves
 * the earlier ones). Every version is parsed (compiled) when loaded, once. Thread-safe: changes are serialized by
 * the store's lock; reads take no lock and see a schema's current immutable {@link Entry}.
 */
public final class SchemaStore {

    static final String DIR = "schemas";
    private static final String META = "schema.properties";
    private static final String DEF_SUFFIX = ".def";
    private static final String MESSAGE_TYPE_SUFFIX = ".message-type";
    /** Marks a directory on its way in or out; '~' is not allowed in names. */
    private static final String SCRATCH = "~";

    /** A schema and its parsed versions (index 0 = version 1). Immutable. */
    public record Entry(String name, SchemaType type, Compatibility compatibility, long createdAtMs,
            List<ParsedSchema> versions) {

        public ParsedSchema version(int version) {
            if (version < 1 || version > versions.size()) {
                throw new BrokerException(ErrorCode.UNKNOWN_SCHEMA, "schema '" + name + "' has no version " + version
                        + " (it has 1.." + versions.size() + ")");
            }
            return versions.get(version - 1);
        }
    }

    private final String tenant;
    private final Path dir;
    /** Read without a lock (every produce to a station with a schema looks here); changed under the store's lock. */
    private final Map<String, Entry> schemas = new ConcurrentSkipListMap<>();

    private SchemaStore(String tenant, Path dir) {
        this.tenant = tenant;
        this.dir = dir;
    }

    public static SchemaStore open(String tenant, Path tenantDir) throws IOException {
        SchemaStore store = new SchemaStore(tenant, tenantDir.resolve(DIR));
        Files.createDirectories(store.dir);
        try (Stream<Path> dirs = Files.list(store.dir)) {
            for (Path d : dirs.sorted().toList()) {
                String name = d.getFileName().toString();
                if (name.contains(SCRATCH)) {
                    FileTrees.deleteTree(d); // a create or delete that did not finish
                } else if (Files.isDirectory(d) && Names.NAME.matcher(name).matches()) {
                    store.schemas.put(name, load(name, d));
                }
            }
        }
        return store;
    }

    private static Entry load(String name, Path d) throws IOException {
        Properties meta = new Properties();
        try (Reader in = Files.newBufferedReader(d.resolve(META), StandardCharsets.UTF_8)) {
            meta.load(in);
        }
        SchemaType type = SchemaType.parse(meta.getProperty("type"));
        List<ParsedSchema> versions = new ArrayList<>();
        for (int v = 1; Files.exists(d.resolve(v + DEF_SUFFIX)); v++) {
            Path messageType = d.resolve(v + MESSAGE_TYPE_SUFFIX);
            versions.add(Schemas.parse(type, Files.readString(d.resolve(v + DEF_SUFFIX), StandardCharsets.UTF_8),
                    Files.exists(messageType) ? Files.readString(messageType, StandardCharsets.UTF_8) : null));
        }
        return new Entry(name, type, Compatibility.parse(meta.getProperty("compatibility")),
                Long.parseLong(meta.getProperty("created.at.ms", "0")), List.copyOf(versions));
    }

    /** The most characters of one schema definition. */
    static final int MAX_DEFINITION_CHARS = 256 * 1024;
    /** The most versions one schema may have. */
    static final int MAX_VERSIONS = 1000;

    private static void checkDefinition(String definition) {
        if (definition != null && definition.length() > MAX_DEFINITION_CHARS) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "definition must be at most " + MAX_DEFINITION_CHARS
                    + " characters, was " + definition.length());
        }
    }

    public synchronized Entry create(String name, SchemaType type, String definition, String messageType,
            Compatibility compatibility, long nowMs) {
        Names.check("schema", name);
        checkDefinition(definition);
        if (schemas.containsKey(name)) {
            throw new BrokerException(ErrorCode.SCHEMA_EXISTS, "schema '" + name + "' already exists");
        }
        ParsedSchema parsed = parse(type, definition, messageType);
        Path target = dir.resolve(name);
        Path temp = dir.resolve(name + SCRATCH + "new");
        try {
            FileTrees.deleteTree(temp);
            Files.createDirectories(temp);
            Properties meta = new Properties();
            meta.setProperty("type", type.wireName());
            meta.setProperty("compatibility", compatibility.name());
            meta.setProperty("created.at.ms", Long.toString(nowMs));
            StringWriter text = new StringWriter();
            meta.store(text, "Junction schema");
            DurableFiles.write(temp.resolve(META), text.toString().getBytes(StandardCharsets.UTF_8));
            writeVersion(temp, 1, parsed);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new BrokerException(ErrorCode.STORAGE_ERROR, "storing schema '" + name + "' failed: "
                    + e.getMessage(), e);
        }
        Entry entry = new Entry(name, type, compatibility, nowMs, List.of(parsed));
        schemas.put(name, entry);
        return entry;
    }

    /**
     * Adds the next version, if it parses and keeps the schema's compatibility. Protobuf: with no message type,
     * the latest version's.
     */
    public synchronized Entry addVersion(String name, String definition, String messageType) {
        return addVersion(name, definition, messageType, false);
    }

    /** As above; with {@code dryRun}, every check runs and the entry it would become is returned, nothing stored. */
    public synchronized Entry addVersion(String name, String definition, String messageType, boolean dryRun) {
        checkDefinition(definition);
        Entry entry = get(name);
        if (entry.versions().size() >= MAX_VERSIONS) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "schema '" + name + "' has " + MAX_VERSIONS
                    + " versions, the most a schema may have; create a new schema");
        }
        boolean inherited = (messageType == null || messageType.isBlank()) && entry.type() == SchemaType.PROTOBUF;
        String type = inherited ? entry.versions().getLast().messageType() : messageType;
        ParsedSchema parsed;
        try {
            parsed = parse(entry.type(), definition, type);
        } catch (BrokerException e) {
            throw inherited ? new BrokerException(ErrorCode.INVALID_SCHEMA, e.getMessage() + "; the latest version's "
                    + "message type is used unless another is named", e) : e;
        }
        List<String> problems = entry.compatibility().check(parsed, entry.versions());
        if (!problems.isEmpty()) {
            throw new BrokerException(ErrorCode.INCOMPATIBLE_SCHEMA, "schema '" + name + "' is "
                    + entry.compatibility().name() + ": " + String.join("; ", problems));
        }
        int version = entry.versions().size() + 1;
        if (dryRun) {
            List<ParsedSchema> versions = new ArrayList<>(entry.versions());
            versions.add(parsed);
            return new Entry(name, entry.type(), entry.compatibility(), entry.createdAtMs(), List.copyOf(versions));
        }
        try {
            writeVersion(dir.resolve(name), version, parsed);
        } catch (IOException e) {
            throw new BrokerException(ErrorCode.STORAGE_ERROR, "storing version " + version + " of schema '" + name
                    + "' failed: " + e.getMessage(), e);
        }
        List<ParsedSchema> versions = new ArrayList<>(entry.versions());
        versions.add(parsed);
        Entry updated = new Entry(name, entry.type(), entry.compatibility(), entry.createdAtMs(),
                List.copyOf(versions));
        schemas.put(name, updated);
        return updated;
    }

    /** The version exists once its definition file does, so that file comes last. */
    private static void writeVersion(Path schemaDir, int version, ParsedSchema parsed) throws IOException {
        if (!parsed.messageType().isEmpty()) {
            DurableFiles.write(schemaDir.resolve(version + MESSAGE_TYPE_SUFFIX),
                    parsed.messageType().getBytes(StandardCharsets.UTF_8));
        }
        DurableFiles.write(schemaDir.resolve(version + DEF_SUFFIX),
                parsed.definition().getBytes(StandardCharsets.UTF_8));
    }

    public Entry get(String name) {
        Entry entry = schemas.get(name);
        if (entry == null) {
            Names.check("schema", name);
            throw new BrokerException(ErrorCode.UNKNOWN_SCHEMA, "schema '" + name + "' does not exist");
        }
        return entry;
    }

    public List<Entry> list() {
        return List.copyOf(schemas.values());
    }

    /** Deletes a schema; the caller has checked that no station uses it. */
    public synchronized void delete(String name) {
        get(name);
        Path target = dir.resolve(name);
        Path trash = dir.resolve(name + SCRATCH + "deleted");
        try {
            FileTrees.deleteTree(trash);
            Files.move(target, trash, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.fsyncDirectory(dir);
            FileTrees.deleteTree(trash);
        } catch (IOException e) {
            throw new BrokerException(ErrorCode.STORAGE_ERROR, "deleting schema '" + name + "' failed: "
                    + e.getMessage(), e);
        }
        schemas.remove(name);
    }

    public SchemaInfo info(Entry e, List<String> stations) {
        return new SchemaInfo(tenant, e.name(), e.type(), e.compatibility(),
                e.versions().stream().map(ParsedSchema::definition).toList(),
                e.versions().stream().map(ParsedSchema::messageType).toList(), e.createdAtMs(),
                stations.stream().sorted(Comparator.naturalOrder()).toList());
    }

    private static ParsedSchema parse(SchemaType type, String definition, String messageType) {
        try {
            return Schemas.parse(type, definition, messageType);
        } catch (SchemaException e) {
            throw new BrokerException(ErrorCode.INVALID_SCHEMA, e.getMessage(), e);
        }
    }
}
