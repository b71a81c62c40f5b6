package io.junction.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import io.junction.client.JunctionClient;
import io.junction.client.TenantInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code junction tenant create|list|info|update|delete}: the broker's tenants and their quotas (creating, changing
 * and deleting them: root only).
 */
@Command(name = "tenant", mixinStandardHelpOptions = true,
        description = "Create, list, show, update (quotas) and delete tenants.",
        subcommands = {TenantCommand.Create.class, TenantCommand.ListTenants.class, TenantCommand.Info.class,
            TenantCommand.Update.class, TenantCommand.Delete.class})
final class TenantCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "Missing a tenant command: create, list, info, update or delete");
    }

    /** The quota options of create and update; unset ones: no limit (create) or unchanged (update). */
    static final class Limits {
        @Option(names = "--max-storage", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
                description = "Bytes of messages its stations may store (e.g. 10GiB; 0: no limit); past it, "
                        + "produce is refused with QUOTA_EXCEEDED.")
        Long storage;
        @Option(names = "--max-produce-rate", paramLabel = "SIZE/s", converter = RateConverter.class,
                description = "Bytes per second it may produce (e.g. 5MiB/s; 0: no limit); acknowledgements are "
                        + "delayed to hold it, never refused.")
        Long produceRate;
        @Option(names = "--max-consume-rate", paramLabel = "SIZE/s", converter = RateConverter.class,
                description = "Bytes per second delivered to its consumers (0: no limit); deliveries are delayed "
                        + "to hold it.")
        Long consumeRate;
        @Option(names = "--max-stations", paramLabel = "N", description = "Stations it may have (0: no limit).")
        Integer stations;
        @Option(names = "--max-connections", paramLabel = "N",
                description = "Produce and consume streams it may have open at once (0: no limit).")
        Integer connections;

        io.junction.client.TenantLimits limits() {
            return new io.junction.client.TenantLimits(storage, produceRate, consumeRate, stations, connections);
        }
    }

    /** {@code SIZE/s} (the "/s" may be left out): bytes per second. */
    static final class RateConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            final String size = value.endsWith("/s") ? value.substring(0, value.length() - 2) : value;
            return new Converters.SizeConverter().convert(size);
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Change a tenant's quotas (root only); the options not given keep their value.")
    static final class Update implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @picocli.CommandLine.ArgGroup(exclusive = false)
        private Limits limits = new Limits();
        @Option(names = "--json", description = "Print the tenant as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final TenantInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.updateTenant(name, limits.limits());
            }
            spec.commandLine().getOut().println(json ? Json.tenant(info) : AccessText.tenant(info));
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant (root only).")
    static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME", description = "The tenant's name: [a-z0-9][a-z0-9_.-]{0,127}.")
        private String name;
        @picocli.CommandLine.ArgGroup(exclusive = false)
        private Limits limits = new Limits();
        @Option(names = "--json", description = "Print the new tenant as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final TenantInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.createTenant(name, limits.limits());
            }
            spec.commandLine().getOut().println(json ? Json.tenant(info) : "created tenant '" + info.name() + "'");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the tenants (root: all; others: their own).")
    static final class ListTenants implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Option(names = "--json", description = "Print one JSON object per tenant.")
        private boolean json;

        @Override
        public Integer call() {
            final List<TenantInfo> tenants;
            try (JunctionClient client = server.connect()) {
                tenants = client.tenants();
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                tenants.forEach(t -> out.println(Json.tenant(t)));
            } else {
                out.println(AccessText.tenants(tenants));
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a tenant.")
    static final class Info implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME", arity = "0..1",
                description = "The tenant (default: --tenant, else your own).")
        private String name;
        @Option(names = "--json", description = "Print the tenant as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final TenantInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.tenantInfo(name != null ? name : server.tenant);
            }
            spec.commandLine().getOut().println(json ? Json.tenant(info) : AccessText.tenant(info));
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a tenant with its users and tokens (root only). Refused while it has stations, "
                    + "unless --force; the default tenant cannot be deleted.")
    static final class Delete implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = "--force", description = "Delete it with its stations, their messages and groups.")
        private boolean force;

        @Override
        public Integer call() {
            try (JunctionClient client = server.connect()) {
                client.deleteTenant(name, force);
            }
            spec.commandLine().getOut().println("deleted tenant '" + name + "'");
            return 0;
        }
    }
}
