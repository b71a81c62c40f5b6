package io.junction.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import io.junction.client.JunctionClient;
import io.junction.client.SchemaInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code junction schema create|add-version|list|info|delete}: the broker's schema registry (issue #6). */
@Command(name = "schema", mixinStandardHelpOptions = true,
        description = {"Register schemas and their versions; attach one to a station with "
                + "'junction station attach-schema', and the broker validates every value produced to it.",
            "Types: protobuf (a .proto file and its --message-type; values in Protobuf binary), json (JSON Schema, "
                + "drafts 4 to 2020-12), avro (values in Avro binary) and graphql (an SDL schema; values are "
                + "operation documents)."},
        subcommands = {SchemaCommand.Create.class, SchemaCommand.AddVersion.class, SchemaCommand.ListSchemas.class,
            SchemaCommand.Info.class, SchemaCommand.Delete.class})
final class SchemaCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "Missing a schema command: create, add-version, list, info or delete");
    }

    static String read(CommandSpec spec, Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ParameterException(spec.commandLine(), "--file: no such file: " + file);
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--file: cannot read " + file + ": " + e.getMessage());
        }
    }

    /** ", message type T" for the latest version of a Protobuf schema; else nothing. */
    static String messageTypeOf(SchemaInfo s) {
        final String t = s.messageTypes().get(s.latestVersion() - 1);
        return t.isEmpty() ? "" : ", message type " + t;
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Register a schema with its first "
            + "version.")
    static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = "--type", paramLabel = "TYPE", required = true,
                description = "protobuf, json, avro or graphql.")
        private String type;
        @Option(names = "--file", paramLabel = "F", required = true, description = "The definition.")
        private Path file;
        @Option(names = "--message-type", paramLabel = "T", description = "protobuf: the message type values are, "
                + "fully qualified (default: the file's first message).")
        private String messageType;
        @Option(names = "--compatibility", paramLabel = "MODE", description = "Which new versions are accepted: "
                + "none, backward, forward, full, or one of those with _transitive (default: backward).")
        private String compatibility;
        @Option(names = "--json", description = "Print the schema as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final String definition = read(spec, file);
            try (JunctionClient client = server.connect()) {
                final SchemaInfo s = client.createSchema(name, type, definition, messageType, compatibility);
                spec.commandLine().getOut().println(json ? Json.schema(s) : "created schema '" + s.name() + "' ("
                        + s.type() + messageTypeOf(s) + ", " + s.compatibility() + "), version 1");
            }
            return 0;
        }
    }

    @Command(name = "add-version", mixinStandardHelpOptions = true,
            description = "Add a schema's next version; refused when it breaks the schema's compatibility.")
    static final class AddVersion implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = "--file", paramLabel = "F", required = true, description = "The definition.")
        private Path file;
        @Option(names = "--message-type", paramLabel = "T", description = "protobuf: the message type values are, "
                + "fully qualified (default: the latest version's).")
        private String messageType;
        @Option(names = "--json", description = "Print the schema as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final String definition = read(spec, file);
            try (JunctionClient client = server.connect()) {
                final SchemaInfo s = client.addSchemaVersion(name, definition, messageType);
                spec.commandLine().getOut().println(json ? Json.schema(s) : "schema '" + s.name() + "': version "
                        + s.latestVersion() + " added" + (messageTypeOf(s).isEmpty() ? "" : " ("
                        + messageTypeOf(s).substring(2) + ")"));
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the schemas.")
    static final class ListSchemas implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Option(names = "--json", description = "Print one JSON object per schema.")
        private boolean json;

        @Override
        public Integer call() {
            final List<SchemaInfo> schemas;
            try (JunctionClient client = server.connect()) {
                schemas = client.schemas();
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                schemas.forEach(s -> out.println(Json.schema(s)));
            } else {
                out.println(String.format("%-32s %-8s %-20s %8s %s", "NAME", "TYPE", "COMPATIBILITY", "VERSIONS",
                        "STATIONS"));
                for (SchemaInfo s : schemas) {
                    out.println(String.format("%-32s %-8s %-20s %8d %s", s.name(), s.type(), s.compatibility(),
                            s.latestVersion(), String.join(",", s.stations())));
                }
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a schema and its versions.")
    static final class Info implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = "--json", description = "Print the schema as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final SchemaInfo s;
            try (JunctionClient client = server.connect()) {
                s = client.schema(name);
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.schema(s));
                return 0;
            }
            out.println("schema:        " + s.name());
            out.println("type:          " + s.type());
            out.println("compatibility: " + s.compatibility());
            out.println("created:       " + s.createdAt());
            out.println("stations:      " + (s.stations().isEmpty() ? "none" : String.join(", ", s.stations())));
            for (int v = 1; v <= s.latestVersion(); v++) {
                out.println("--- version " + v + (s.messageTypes().get(v - 1).isEmpty() ? ""
                        : " (message type " + s.messageTypes().get(v - 1) + ")"));
                out.println(s.versions().get(v - 1).strip());
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a schema and its versions (refused while a station uses it).")
    static final class Delete implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;

        @Override
        public Integer call() {
            try (JunctionClient client = server.connect()) {
                client.deleteSchema(name);
            }
            spec.commandLine().getOut().println("deleted schema '" + name + "'");
            return 0;
        }
    }
}
