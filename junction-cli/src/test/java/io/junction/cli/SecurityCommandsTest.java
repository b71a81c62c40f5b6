package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.junction.server.JunctionServer;
import io.junction.server.ServerConfig;

/**
 * The security commands (login, logout, whoami, tenant, user, token) and the credentials options against a real
 * server in this JVM that requires authentication. Each test has its own credentials file (through
 * $XDG_CONFIG_HOME) and checks that no password, and no secret but the one {@code token create} prints, appears
 * in any output.
 */
class SecurityCommandsTest {

    private static final String ROOT_PASSWORD = "root-pw-4f9a2c";
    private static final String ALICE_PASSWORD = "alice-pw-7d31e0";

    @TempDir
    static Path data;
    @TempDir
    static Path secrets;
    private static JunctionServer server;

    @TempDir
    Path config;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();
    /** Everything every command of the test printed, but the secrets of 'token create'. */
    private final StringBuilder transcript = new StringBuilder();
    /** Secrets printed by 'token create' and sessions' tokens, which must appear nowhere else. */
    private final List<String> tokenSecrets = new ArrayList<>();

    @BeforeAll
    static void startServer() throws IOException {
        final Path passwordFile = Files.writeString(secrets.resolve("root-password"), ROOT_PASSWORD + "\n");
        server = JunctionServer.start(ServerConfig.builder().dataDir(data).port(0).httpPort(0)
                .auth(ServerConfig.AuthMode.REQUIRED).rootPasswordFile(passwordFile).build());
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void useOwnCredentialsFile() {
        ServerOption.env = Map.of(Credentials.XDG_CONFIG_HOME, config.toString());
    }

    @AfterEach
    void restoreAndCheckNothingLeaked() throws IOException {
        ServerOption.env = System.getenv();
        PasswordInput.stdin = System.in;
        assertThat(transcript).doesNotContain(ROOT_PASSWORD).doesNotContain(ALICE_PASSWORD);
        for (String secret : tokenSecrets) {
            assertThat(transcript).doesNotContain(secret);
        }
    }

    @Test
    void loginStoresAnOwnerOnlySessionThatWhoamiUsesAndLogoutForgets() throws IOException {
        assertThat(login("root", ROOT_PASSWORD)).isZero();
        assertThat(out()).matches("logged in as root@default \\(root\\) until \\d{4}-.*Z");

        final Path file = credentialsFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        assertThat(Files.readString(file)).contains("\"localhost:" + server.grpcPort() + "\"", "\"token\" : \"jn_",
                "\"user\" : \"root\"", "\"tenant\" : \"default\"", "\"expires_ms\"").doesNotContain(ROOT_PASSWORD);
        try (Stream<Path> left = Files.list(file.getParent())) {
            assertThat(left).containsExactly(file); // no temporary file left behind
        }

        assertThat(run("whoami")).isZero();
        assertThat(out()).contains("user:      root", "role:      root", "via:       session")
                .containsPattern("expires:\\s+\\d{4}-");
        assertThat(run("whoami", "--json")).isZero();
        assertThat(out()).startsWith("{\"tenant\":\"default\",\"user\":\"root\",\"role\":\"root\",\"stations\":[],"
                + "\"deny_stations\":[],\"via\":\"session\",\"expires\":\"");

        final String token = storedToken();
        assertThat(run("logout")).isZero();
        assertThat(out()).isEqualTo("logged out root@default");
        assertThat(Files.readString(file)).doesNotContain(token);

        assertThat(run("whoami")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNAUTHENTICATED: ").contains("(log in with 'junction login', or "
                + "give --token or $JUNCTION_TOKEN)");
        assertThat(run("whoami", "--token", token)).isEqualTo(1); // the session ended at the broker too
        assertThat(err.toString()).startsWith("UNAUTHENTICATED: ");

        assertThat(run("logout")).isZero();
        assertThat(out()).isEqualTo("no session stored for localhost:" + server.grpcPort() + ": nothing to do");
    }

    @Test
    void aWrongPasswordIsUnauthenticatedAndStoresNothing() {
        assertThat(login("root", "not-the-password")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNAUTHENTICATED: wrong user or password");
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(credentialsFile()).doesNotExist();
        assertThat(transcript).doesNotContain("not-the-password");
    }

    @Test
    void logoutForgetsASessionTheBrokerAlreadyEnded() throws IOException {
        assertThat(login("root", ROOT_PASSWORD)).isZero();
        final String token = storedToken();
        assertThat(run("whoami", "--token", token)).isZero();
        // End it at the broker, behind the stored file's back: logging out with the stored session
        assertThat(run("logout")).isZero();
        ServerOption.credentials().store(address(), new Credentials.Session(token, "root", "default", 0));
        assertThat(run("whoami")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNAUTHENTICATED: the token is unknown, expired or revoked (the "
                + "session stored by 'junction login' for " + address() + ": log in again)");

        assertThat(run("logout")).isZero();
        assertThat(out()).startsWith("the broker had already ended the session of root@default (UNAUTHENTICATED)");
        assertThat(ServerOption.credentials().session(address())).isEmpty();
    }

    @Test
    void tokenAndJunctionTokenOverrideTheStoredSession() {
        assertThat(login("root", ROOT_PASSWORD)).isZero();
        assertThat(run("station", "create", "override-orders")).isZero();
        final String producer = createToken("override-producer", "--role", "producer");

        assertThat(run("station", "create", "override-other", "--token", producer)).isEqualTo(1);
        assertThat(err.toString()).startsWith("PERMISSION_DENIED: token override-producer@default (role producer) "
                + "lacks the permission 'manage-stations'");
        assertThat(run("produce", "override-orders", "hello", "--token", producer)).isZero();
        assertThat(run("whoami", "--token", producer)).isZero();
        assertThat(out()).contains("via:       token:override-producer");

        ServerOption.env = Map.of(Credentials.XDG_CONFIG_HOME, config.toString(), ServerOption.TOKEN_ENV, producer);
        assertThat(run("station", "create", "override-other")).isEqualTo(1);
        assertThat(err.toString()).startsWith("PERMISSION_DENIED: ").contains("'manage-stations'");
        assertThat(run("produce", "override-orders", "again")).isZero();

        ServerOption.env = Map.of(Credentials.XDG_CONFIG_HOME, config.toString());
        assertThat(run("station", "create", "override-other")).isZero(); // the stored root session again
        assertThat(run("token", "revoke", "override-producer")).isZero();
    }

    @Test
    void createsListsShowsAndDeletesTenants() {
        assertThat(login("root", ROOT_PASSWORD)).isZero();
        assertThat(run("tenant", "create", "acme")).isZero();
        assertThat(out()).isEqualTo("created tenant 'acme'");
        assertThat(run("tenant", "create", "acme")).isEqualTo(1);
        assertThat(err.toString()).startsWith("TENANT_EXISTS: ");

        assertThat(run("tenant", "list")).isZero();
        assertThat(out()).containsPattern("(?m)^TENANT\\s+STATIONS$").containsPattern("(?m)^acme\\s+0$")
                .containsPattern("(?m)^default\\s+\\d+$");
        assertThat(run("tenant", "list", "--json")).isZero();
        assertThat(out().lines()).anySatisfy(l -> assertThat(l).startsWith("{\"name\":\"acme\",\"stations\":0,"));

        assertThat(run("station", "create", "ledger", "--tenant", "acme")).isZero();
        assertThat(run("tenant", "info", "acme")).isZero();
        assertThat(out()).startsWith("tenant:    acme" + System.lineSeparator() + "stations:  1 (no limit)");
        assertThat(run("tenant", "info", "--tenant", "acme", "--json")).isZero();
        assertThat(out()).startsWith("{\"name\":\"acme\",\"stations\":1,");
        assertThat(run("tenant", "info")).isZero();
        assertThat(out()).startsWith("tenant:    default");

        assertThat(run("tenant", "delete", "acme")).isEqualTo(1);
        assertThat(err.toString()).startsWith("TENANT_NOT_EMPTY: ");
        assertThat(run("tenant", "delete", "acme", "--force")).isZero();
        assertThat(out()).isEqualTo("deleted tenant 'acme'");
        assertThat(run("tenant", "info", "acme")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_TENANT: ");

        assertThat(run("tenant", "delete", "default", "--force")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_ARGUMENT: the default tenant cannot be deleted");
    }

    @Test
    void tenantQuotasAreSetShownChangedAndHeld() {
        assertThat(login("root", ROOT_PASSWORD)).isZero();
        assertThat(run("tenant", "create", "metered", "--max-storage", "10MiB", "--max-produce-rate", "1MiB/s",
                "--max-stations", "3")).as(err.toString()).isZero();
        assertThat(run("tenant", "info", "metered", "--json")).isZero();
        assertThat(out()).contains("\"max_storage_bytes\":10485760", "\"max_produce_bytes_per_second\":1048576",
                "\"max_consume_bytes_per_second\":0", "\"max_stations\":3", "\"stored_bytes\":0");

        assertThat(run("tenant", "update", "metered", "--max-stations", "1", "--max-connections", "4")).isZero();
        assertThat(out()).contains("stations:  0 of 1", "storage:   0 bytes of 10485760", "streams:   0 of 4",
                "produce:   at most 1048576 bytes/s", "consume:   no limit");
        assertThat(run("station", "create", "a", "--tenant", "metered")).isZero();
        assertThat(run("station", "create", "b", "--tenant", "metered")).isEqualTo(1);
        assertThat(err.toString()).startsWith("QUOTA_EXCEEDED: tenant 'metered' has 1 stations");
        assertThat(run("tenant", "update", "metered", "--max-stations", "-1")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_CONFIG: ");
    }

    @Test
    void auditListShowsATenantsChangesAndRefusalsToItsAdminsOnly() {
        assertThat(login("root", ROOT_PASSWORD)).isZero();
        assertThat(run("tenant", "create", "audited")).isZero();
        assertThat(run("station", "create", "ledger", "--tenant", "audited")).isZero();
        PasswordInput.stdin = stdin(ALICE_PASSWORD + "\n");
        assertThat(run("user", "create", "vera", "--tenant", "audited", "--role", "viewer", "--password-stdin"))
                .isZero();

        assertThat(run("audit", "list", "--tenant", "audited")).isZero();
        assertThat(out()).contains("user root (session) from 127.0.0.1  CreateStation station ledger  OK",
                "CreateUser user vera  OK");
        assertThat(run("audit", "list", "--tenant", "audited", "--json")).isZero();
        assertThat(out().lines()).hasSize(2).allSatisfy(line -> assertThat(line).startsWith("{\"id\":")
                .contains("\"who\":\"user root\"", "\"result\":\"OK\""));

        assertThat(login("vera", ALICE_PASSWORD, "--tenant", "audited")).isZero();
        assertThat(run("audit", "list")).isEqualTo(1);
        assertThat(err.toString()).startsWith("PERMISSION_DENIED: ").contains("manage-access");
    }

    @Test
    void managesTheUsersOfATenantWhoThenSeeOnlyTheirOwnTenant() {
        assertThat(login("root", ROOT_PASSWORD)).isZero();
        assertThat(run("tenant", "create", "hr")).isZero();
        assertThat(run("station", "create", "payroll", "--tenant", "hr")).isZero();
        assertThat(run("station", "create", "not-for-hr")).isZero();

        PasswordInput.stdin = stdin(ALICE_PASSWORD + "\nthe rest is not read\n");
        assertThat(run("user", "create", "alice", "--tenant", "hr", "--role", "admin", "--password-stdin")).isZero();
        assertThat(out()).isEqualTo("created user 'alice' (admin) in tenant 'hr'");
        assertThat(run("user", "create", "robot", "--tenant", "hr", "--role", "producer", "--stations", "payroll",
                "--stations", "pay-*", "--deny-stations", "pay-secret")).isZero();
        assertThat(out()).endsWith("without a password: it acts through tokens only");

        assertThat(run("user", "list", "--tenant", "hr")).isZero();
        assertThat(out()).containsPattern("(?m)^alice\\s+admin\\s+yes\\s+all\\s+none$")
                .containsPattern("(?m)^robot\\s+producer\\s+no\\s+payroll,pay-\\*\\s+pay-secret$");
        assertThat(run("user", "info", "robot", "--tenant", "hr", "--json")).isZero();
        assertThat(out()).startsWith("{\"tenant\":\"hr\",\"name\":\"robot\",\"role\":\"producer\",\"stations\":"
                + "[\"payroll\",\"pay-*\"],\"deny_stations\":[\"pay-secret\"],\"has_password\":false,\"created\":\"");
        assertThat(run("user", "info", "robot")).isEqualTo(1); // root's own tenant is default
        assertThat(err.toString()).startsWith("UNKNOWN_USER: ");

        PasswordInput.stdin = stdin(ALICE_PASSWORD + "-new\n");
        assertThat(run("user", "passwd", "alice", "--tenant", "hr", "--password-stdin")).isZero();
        assertThat(out()).isEqualTo("set the password of user 'alice'; its other sessions ended");
        assertThat(login("alice", ALICE_PASSWORD, "--tenant", "hr")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNAUTHENTICATED: ");

        assertThat(login("alice", ALICE_PASSWORD + "-new", "--tenant", "hr")).isZero();
        assertThat(out()).matches("logged in as alice@hr \\(admin\\) until .*");
        assertThat(run("whoami")).isZero();
        assertThat(out()).contains("tenant:    hr", "user:      alice", "role:      admin", "via:       session");
        assertThat(run("station", "list")).isZero();
        assertThat(out()).containsPattern("(?m)^payroll\\s").doesNotContain("not-for-hr");
        assertThat(run("station", "list", "--tenant", "default")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_TENANT: ");
        assertThat(run("user", "delete", "alice")).isEqualTo(1);
        assertThat(err.toString()).startsWith("INVALID_ARGUMENT: a user cannot delete itself");

        assertThat(login("root", ROOT_PASSWORD)).isZero();
        assertThat(run("user", "delete", "alice", "--tenant", "hr")).isZero();
        assertThat(out()).isEqualTo("deleted user 'alice'");
        assertThat(run("user", "list", "--tenant", "hr", "--json")).isZero();
        assertThat(out().lines()).hasSize(1).allMatch(l -> l.contains("\"name\":\"robot\""));
    }

    @Test
    void createsATokenWhoseSecretIsShownOnceAndStopsWorkingWhenRevoked() throws IOException {
        assertThat(login("root", ROOT_PASSWORD)).isZero();
        assertThat(run("station", "create", "metrics")).isZero();

        final String secret = createToken("ci", "--role", "consumer", "--stations", "metrics", "--expires", "30d");
        assertThat(secret).matches("jn_[0-9a-f]{20}_[A-Za-z0-9_-]{43}");
        assertThat(err.toString()).contains("created token 'ci' (consumer, expires ", "shown only this once");

        assertThat(run("token", "create", "--name", "ci-json", "--json")).isZero();
        final Matcher json = Pattern.compile("\\{\"name\":\"ci-json\",\"role\":\"producer\",\"secret\":"
                + "\"(jn_[^\"]+)\",\"expires\":null}").matcher(out());
        assertThat(json.matches()).as(out()).isTrue();
        tokenSecrets.add(json.group(1));

        assertThat(run("token", "list")).isZero();
        assertThat(out()).containsPattern("(?m)^ci\\s+consumer\\s+metrics\\s+none\\s+root\\s+\\d{4}-")
                .containsPattern("(?m)^ci-json\\s+producer\\s+all\\s+none\\s+root\\s+never$");
        assertThat(run("token", "list", "--json")).isZero();
        assertThat(out()).contains("\"name\":\"ci\"", "\"created_by\":\"root\"").doesNotContain("secret");

        assertThat(run("whoami", "--token", secret)).isZero();
        assertThat(out()).contains("user:      ci", "stations:  metrics", "via:       token:ci");
        assertThat(run("token", "revoke", "ci")).isZero();
        assertThat(out()).isEqualTo("revoked token 'ci'");
        assertThat(run("whoami", "--token", secret)).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNAUTHENTICATED: ");
        assertThat(run("token", "revoke", "ci")).isEqualTo(1);
        assertThat(err.toString()).startsWith("UNKNOWN_TOKEN: ");

        assertNoFileUnder(data, secret.substring(secret.lastIndexOf('_') + 1));
        assertNoFileUnder(data, ROOT_PASSWORD);
    }

    @Test
    void keepsPasswordsAndTokensOutOfTheDataDirectory() throws IOException {
        assertThat(login("root", ROOT_PASSWORD)).isZero();
        assertThat(run("tenant", "create", "vault")).isZero();
        PasswordInput.stdin = stdin(ALICE_PASSWORD + "\n");
        assertThat(run("user", "create", "bob", "--tenant", "vault", "--role", "viewer", "--password-stdin"))
                .isZero();
        final String secret = createToken("vault-ci", "--tenant", "vault");
        final String session = storedToken();

        for (String s : List.of(ROOT_PASSWORD, ALICE_PASSWORD, secret, session,
                secret.substring(secret.lastIndexOf('_') + 1), session.substring(session.lastIndexOf('_') + 1))) {
            assertNoFileUnder(data, s);
        }
        assertThat(run("tenant", "delete", "vault", "--force")).isZero();
    }

    @Test
    void refusesTokenOnLoginAndLogout() {
        assertThat(run("login", "--token", "jn_x", "--password-stdin")).isEqualTo(2);
        assertThat(err.toString()).contains("login takes a password, not --token").doesNotContain("jn_x");
        assertThat(run("logout", "--token", "jn_x")).isEqualTo(2);
        assertThat(err.toString()).contains("it takes no --token");
    }

    private static void assertNoFileUnder(Path dir, String text) throws IOException {
        final byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                final String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(content).as("%s must not hold a secret", f)
                        .doesNotContain(new String(needle, StandardCharsets.ISO_8859_1));
            }
        }
    }

    /** Runs 'token create' and returns the secret it printed (its only line on standard output). */
    private String createToken(String name, String... options) {
        final String[] args = Stream.concat(Stream.of("token", "create", "--name", name), Stream.of(options))
                .toArray(String[]::new);
        assertThat(run(args)).isZero();
        final String secret = out.toString().strip();
        assertThat(secret.lines()).hasSize(1);
        tokenSecrets.add(secret);
        transcript.append(err); // the note, without the secret
        return secret;
    }

    private int login(String user, String password, String... options) {
        PasswordInput.stdin = stdin(password + "\n");
        final String[] args = Stream.concat(Stream.of("login", "--user", user, "--password-stdin"),
                Stream.of(options)).toArray(String[]::new);
        final int exit = run(args);
        if (exit == 0) {
            tokenSecrets.add(storedToken());
        }
        return exit;
    }

    private String storedToken() {
        return ServerOption.credentials().session(address()).map(Credentials.Session::token).orElse("(none)");
    }

    private Path credentialsFile() {
        return config.resolve("junction").resolve("credentials");
    }

    private static String address() {
        return "localhost:" + server.grpcPort();
    }

    private static ByteArrayInputStream stdin(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Standard output of the last run, without the final line break. */
    private String out() {
        return out.toString().strip();
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        final String[] withServer = Stream.concat(Stream.of(args), Stream.of("--server", address()))
                .toArray(String[]::new);
        final picocli.CommandLine command = Main.newCommandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        final int exit = command.execute(withServer);
        if (!(args.length > 1 && args[0].equals("token") && args[1].equals("create"))) {
            transcript.append(out).append(err);
        }
        return exit;
    }
}
