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

/** {@code junction tenant create|list|info|delete}: the broker's tenants (creating and deleting them: root only). */
@Command(name = "tenant", mixinStandardHelpOptions = true, description = "Create, list, show and delete tenants.",
        subcommands = {TenantCommand.Create.class, TenantCommand.ListTenants.class, TenantCommand.Info.class,
            TenantCommand.Delete.class})
final class TenantCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing a tenant command: create, list, info or delete");
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a tenant (root only).")
    static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME", description = "The tenant's name: [a-z0-9][a-z0-9_.-]{0,127}.")
        private String name;
        @Option(names = "--json", description = "Print the new tenant as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final TenantInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.createTenant(name);
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
