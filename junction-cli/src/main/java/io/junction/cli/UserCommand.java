package io.junction.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import io.junction.client.JunctionClient;
import io.junction.client.UserInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code junction user create|list|info|delete|passwd}: the users of a tenant (the --tenant option's). */
@Command(name = "user", mixinStandardHelpOptions = true,
        description = "Create, list, show and delete the users of a tenant, and set their passwords.",
        subcommands = {UserCommand.Create.class, UserCommand.ListUsers.class, UserCommand.Info.class,
            UserCommand.Delete.class, UserCommand.Passwd.class})
final class UserCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "Missing a user command: create, list, info, delete or passwd");
    }

    /** The choices of {@code --role} for users and tokens, for the help and shell completion. */
    static final class RoleCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("admin", "producer", "consumer", "viewer").iterator();
        }
    }

    /** What a user or token may touch: allow and deny station patterns. */
    static final class StationPatterns {
        @Option(names = "--stations", paramLabel = "PATTERN",
                description = "A station it may use, or a glob such as 'orders-*'; repeat for more (default: every "
                        + "station of the tenant).")
        List<String> allow = List.of();

        @Option(names = "--deny-stations", paramLabel = "PATTERN",
                description = "A station it may not use, or a glob; beats --stations. Repeat for more.")
        List<String> deny = List.of();

        @Option(names = "--read-values",
                description = "Let a viewer see the values of messages (dead letters), which its role alone hides.")
        boolean readValues;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a user of the tenant. Without --password-stdin it has no password and acts "
                    + "through tokens only (set one later with 'user passwd').")
    static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME", description = "The user's name: [a-z0-9][a-z0-9_.-]{0,127}.")
        private String name;
        @Option(names = "--role", paramLabel = "ROLE", required = true, completionCandidates = RoleCandidates.class,
                description = "What it may do in the tenant: ${COMPLETION-CANDIDATES}.")
        private String role;
        @Mixin
        private StationPatterns patterns;
        @Option(names = PasswordInput.STDIN_OPTION,
                description = "Give it the password on the first line of standard input.")
        private boolean passwordStdin;
        @Option(names = "--json", description = "Print the new user as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final String password = passwordStdin ? PasswordInput.fromStdin() : null;
            final UserInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.createUser(name, role, patterns.allow, patterns.deny, password, patterns.readValues);
            }
            spec.commandLine().getOut().println(json ? Json.user(info) : "created user '" + info.name()
                    + "' (" + info.role() + ") in tenant '" + info.tenant() + "'"
                    + (info.hasPassword() ? "" : " without a password: it acts through tokens only"));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the users of the tenant.")
    static final class ListUsers implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Option(names = "--json", description = "Print one JSON object per user.")
        private boolean json;

        @Override
        public Integer call() {
            final List<UserInfo> users;
            try (JunctionClient client = server.connect()) {
                users = client.users();
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                users.forEach(u -> out.println(Json.user(u)));
            } else {
                out.println(AccessText.users(users));
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a user (never its password).")
    static final class Info implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = "--json", description = "Print the user as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final UserInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.user(name);
            }
            spec.commandLine().getOut().println(json ? Json.user(info) : AccessText.user(info));
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a user and end its sessions (its tokens stay until revoked).")
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
                client.deleteUser(name);
            }
            spec.commandLine().getOut().println("deleted user '" + name + "'");
            return 0;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true,
            description = {"Set a user's password (an admin's, or your own) and end its sessions.",
                "The password is asked twice on the console, or with --password-stdin read from the first line "
                    + "of standard input."})
    static final class Passwd implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = PasswordInput.STDIN_OPTION,
                description = "Read the new password from the first line of standard input.")
        private boolean passwordStdin;

        @Override
        public Integer call() {
            final String password = passwordStdin ? PasswordInput.fromStdin()
                    : PasswordInput.fromConsole("New password for " + name + ": ", true);
            try (JunctionClient client = server.connect()) {
                client.setPassword(name, password);
            }
            spec.commandLine().getOut().println("set the password of user '" + name + "'; its other sessions ended");
            return 0;
        }
    }
}
