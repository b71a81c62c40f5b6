package io.junction.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import io.junction.client.ConnectorInfo;
import io.junction.client.JunctionClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code junction connector create|list|info|pause|resume|delete}: connectors the broker runs — CDC from PostgreSQL
 * into a station ({@code --type postgres}) and HTTP delivery out of a group ({@code --type http-sink}); see
 * docs/connectors.md. Secrets are read here from files or environment variables and sent once; the broker stores
 * them sealed and never shows them.
 */
@Command(name = "connector", mixinStandardHelpOptions = true,
        description = "Create, list, show, pause, resume and delete connectors (CDC from PostgreSQL, HTTP delivery).",
        subcommands = {ConnectorCommand.Create.class, ConnectorCommand.ListConnectors.class,
            ConnectorCommand.Info.class, ConnectorCommand.Pause.class, ConnectorCommand.Resume.class,
            ConnectorCommand.Delete.class})
final class ConnectorCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "Missing a connector command: create, list, info, pause, resume or delete");
    }

    @Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Create a connector and start it.",
                "postgres: --url jdbc:postgresql://HOST:PORT/DB --user U --password-file F --tables public.t[,...] "
                    + "--station S [--snapshot initial|never]",
                "http-sink: --station S --group G --url URL [--header K=V]... [--secret-file F] [--timeout 10s] "
                    + "[--max-concurrency N]"})
    static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME", description = "The connector's name: [a-z0-9][a-z0-9_.-]{0,127}.")
        private String name;
        @Option(names = "--type", required = true, paramLabel = "TYPE", description = "postgres or http-sink.")
        private String type;
        @Option(names = "--station", required = true, paramLabel = "S",
                description = "The station it writes to (postgres) or reads from (http-sink).")
        private String station;
        @Option(names = "--url", paramLabel = "URL",
                description = "postgres: the JDBC URL; http-sink: where each message is POSTed.")
        private String url;
        @Option(names = "--user", paramLabel = "U", description = "postgres: the database user (REPLICATION).")
        private String user;
        @Option(names = "--password-file", paramLabel = "FILE",
                description = "postgres: a file whose first line is the password (read here, stored sealed).")
        private Path passwordFile;
        @Option(names = "--password-env", paramLabel = "VAR",
                description = "postgres: an environment variable holding the password.")
        private String passwordEnv;
        @Option(names = "--tables", paramLabel = "T[,T...]", description = "postgres: the tables captured.")
        private String tables;
        @Option(names = "--snapshot", paramLabel = "MODE",
                description = "postgres: initial (the rows already there first; default) or never.")
        private String snapshot;
        @Option(names = "--group", paramLabel = "G", description = "http-sink: the group it consumes as.")
        private String group;
        @Option(names = "--header", paramLabel = "K=V", description = "http-sink: a header of every request.")
        private Map<String, String> headers = new LinkedHashMap<>();
        @Option(names = "--header-secret-file", paramLabel = "K=FILE",
                description = "http-sink: a header whose value (a credential) is the file's first line.")
        private Map<String, Path> headerSecretFiles = new LinkedHashMap<>();
        @Option(names = "--secret-file", paramLabel = "FILE",
                description = "http-sink: the HMAC-SHA256 key signing each body (X-Junction-Signature).")
        private Path secretFile;
        @Option(names = "--secret-env", paramLabel = "VAR",
                description = "http-sink: an environment variable holding the HMAC key.")
        private String secretEnv;
        @Option(names = "--timeout", paramLabel = "DURATION", description = "http-sink: per request (default 10s).")
        private String timeout;
        @Option(names = "--max-concurrency", paramLabel = "N",
                description = "http-sink: requests in flight at most (default 16).")
        private Integer maxConcurrency;
        @Option(names = "--set", paramLabel = "NAME=VALUE",
                description = "Any other option of the type, by name (docs/connectors.md).")
        private Map<String, String> other = new LinkedHashMap<>();
        @Option(names = "--json", description = "Print the new connector as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final Map<String, String> options = new TreeMap<>(other);
            put(options, "url", url);
            put(options, "user", user);
            put(options, "tables", tables);
            put(options, "snapshot", snapshot);
            put(options, "group", group);
            put(options, "timeout", timeout);
            put(options, "max-concurrency", maxConcurrency == null ? null : maxConcurrency.toString());
            headers.forEach((k, v) -> options.put("header." + k, v));
            final Map<String, String> secrets = new TreeMap<>();
            put(secrets, "password", secret(passwordFile, passwordEnv, "--password"));
            put(secrets, "hmac-key", secret(secretFile, secretEnv, "--secret"));
            headerSecretFiles.forEach((k, f) -> secrets.put("header." + k, secret(f, null, "--header-secret-file")));
            final ConnectorInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.createConnector(name, type, station, options, secrets);
            }
            spec.commandLine().getOut().println(json ? json(info) : "created connector '" + info.name() + "' ("
                    + info.type() + ", " + info.state() + ")");
            return 0;
        }

        private static void put(Map<String, String> map, String key, String value) {
            if (value != null) {
                map.put(key, value);
            }
        }

        /** A secret's value from a file's first line or an environment variable (not both); null: neither. */
        private String secret(Path file, String env, String option) {
            if (file != null && env != null) {
                throw new ParameterException(spec.commandLine(), "give " + option + "-file or " + option
                        + "-env, not both");
            }
            if (env != null) {
                final String value = System.getenv(env);
                if (value == null || value.isEmpty()) {
                    throw new ParameterException(spec.commandLine(), "environment variable " + env
                            + " is not set (" + option + "-env)");
                }
                return value;
            }
            if (file == null) {
                return null;
            }
            try {
                final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                if (lines.isEmpty() || lines.get(0).isEmpty()) {
                    throw new ParameterException(spec.commandLine(), file + " is empty");
                }
                return lines.get(0);
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "cannot read " + file + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tenant's connectors.")
    static final class ListConnectors implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Option(names = "--json", description = "Print one JSON object per connector.")
        private boolean json;

        @Override
        public Integer call() {
            final List<ConnectorInfo> connectors;
            try (JunctionClient client = server.connect()) {
                connectors = client.connectors();
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                connectors.forEach(c -> out.println(json(c)));
            } else if (connectors.isEmpty()) {
                out.println("no connectors");
            } else {
                out.println(String.format("%-24s %-10s %-20s %-8s %s", "NAME", "TYPE", "STATION", "STATE", "LAG"));
                for (ConnectorInfo c : connectors) {
                    out.println(String.format("%-24s %-10s %-20s %-8s %s", c.name(), c.type(), c.station(),
                            c.state(), lag(c)));
                }
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Show a connector: configuration (no secrets), state, last error, position, lag, counts.")
    static final class Info implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = "--json", description = "Print the connector as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final ConnectorInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.connectorInfo(name);
            }
            spec.commandLine().getOut().println(json ? json(info) : text(info));
            return 0;
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Stop a connector until resumed (it stays paused across broker restarts).")
    static final class Pause implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;

        @Override
        public Integer call() {
            try (JunctionClient client = server.connect()) {
                client.pauseConnector(name);
            }
            spec.commandLine().getOut().println("paused connector '" + name + "'");
            return 0;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Start a paused connector again from its durable position.")
    static final class Resume implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;

        @Override
        public Integer call() {
            final ConnectorInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.resumeConnector(name);
            }
            spec.commandLine().getOut().println("resumed connector '" + name + "' (" + info.state() + ")");
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a connector; a postgres connector's replication slot is dropped.")
    static final class Delete implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;

        @Override
        public Integer call() {
            final List<String> warnings;
            try (JunctionClient client = server.connect()) {
                warnings = client.deleteConnector(name);
            }
            warnings.forEach(w -> spec.commandLine().getErr().println("warning: " + w));
            spec.commandLine().getOut().println("deleted connector '" + name + "'");
            return 0;
        }
    }

    private static String lag(ConnectorInfo c) {
        return c.lag() < 0 ? "-" : c.lag() + " " + c.lagUnit();
    }

    static String text(ConnectorInfo c) {
        final List<String> lines = new ArrayList<>();
        lines.add("connector " + c.name() + " (" + c.type() + ", tenant " + c.tenant() + ")");
        lines.add("  station:   " + c.station());
        lines.add("  state:     " + c.state() + (c.paused() ? " (paused)" : ""));
        if (!c.lastError().isEmpty()) {
            lines.add("  error:     " + c.lastError());
        }
        lines.add("  position:  " + (c.position().isEmpty() ? "-" : c.position()));
        lines.add("  lag:       " + lag(c));
        new TreeMap<>(c.options()).forEach((k, v) -> lines.add("  " + k + ": " + v));
        if (!c.secrets().isEmpty()) {
            lines.add("  secrets:   " + String.join(", ", c.secrets()) + " (sealed, not shown)");
        }
        new TreeMap<>(c.counts()).forEach((k, v) -> lines.add("  " + k + ": " + v));
        c.warnings().forEach(w -> lines.add("  WARNING: " + w));
        return String.join("\n", lines);
    }

    static String json(ConnectorInfo c) {
        final com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        final com.fasterxml.jackson.databind.node.ObjectNode node = mapper.createObjectNode()
                .put("tenant", c.tenant()).put("name", c.name()).put("type", c.type()).put("station", c.station());
        final com.fasterxml.jackson.databind.node.ObjectNode options = node.putObject("options");
        new TreeMap<>(c.options()).forEach(options::put);
        c.secrets().forEach(node.putArray("secrets")::add);
        node.put("paused", c.paused()).put("created", c.created().toString()).put("state", c.state())
                .put("last_error", c.lastError()).put("position", c.position()).put("lag", c.lag())
                .put("lag_unit", c.lagUnit());
        final com.fasterxml.jackson.databind.node.ObjectNode counts = node.putObject("counts");
        new TreeMap<>(c.counts()).forEach(counts::put);
        c.warnings().forEach(node.putArray("warnings")::add);
        try {
            return mapper.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
