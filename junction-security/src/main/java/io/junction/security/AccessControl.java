package io.junction.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.junction.errors.ErrorCode;
import io.junction.log.DurableFiles;

/**
 * Users, API tokens and sessions of every tenant, and the authentication of a call's credentials. Kept per tenant
 * in {@code DATA/tenants/T/access.json} (owner-only file; written by temp file + fsync + rename): password hashes
 * (Argon2id, {@link Passwords}) and the SHA-256 of each token's and session's secret, never a secret itself.
 *
 * <p>The built-in user {@code root} (tenant {@code default}, role root) always exists and cannot be deleted; its
 * password is set from the server's {@code --root-password-file}. A call authenticates with
 * {@code Bearer TOKEN} (an API token or a session from {@link #login}) or {@code Basic base64(USER[@TENANT]:PASSWORD)};
 * a password is checked with Argon2id at most {@value #HASHING_AT_ONCE} at a time (each takes 19 MiB), and a right
 * one is remembered for {@value #VERIFIED_MS} ms (keyed by an HMAC under a per-process key) so that a client sending
 * Basic on every call does not pay for a hash each time. Failed logins are throttled per user and per address
 * ({@link LoginThrottle}).
 *
 * <p>Whether a tenant exists is the broker's business: callers check that before naming a tenant here.
 * Thread-safe: changes are serialized; authentication reads immutable snapshots.
 */
public final class AccessControl {

    public static final String ROOT = "root";
    public static final String DEFAULT_TENANT = "default";
    static final String FILE = "access.json";
    static final String TENANTS_DIR = "tenants";
    /** Password checks that may run at once: each holds {@value Passwords#MEMORY_KIB} KiB. */
    static final int HASHING_AT_ONCE = 2;
    static final long VERIFIED_MS = 5 * 60_000;
    static final int MAX_VERIFIED = 10_000;
    /** Sessions a user may hold at once; a new login ends the oldest beyond this. */
    static final int MAX_SESSIONS_PER_USER = 100;
    /** Tokens a tenant may hold. */
    static final int MAX_TOKENS = 10_000;
    static final int MAX_USERS = 10_000;

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final System.Logger LOG = System.getLogger(AccessControl.class.getName());

    private final Path dataDir;
    private final Clock clock;
    private final long sessionTtlMs;
    private final SecureRandom random = new SecureRandom();
    private final LoginThrottle throttle;
    private final Semaphore hashing = new Semaphore(HASHING_AT_ONCE, true);
    private final byte[] processKey = new byte[32];
    /** A hash of nothing anyone knows: checked for an unknown user, so that it takes as long as a known one. */
    private final String decoyHash;
    /** tenant → its file (immutable; replaced on change). */
    private final Map<String, TenantFile> tenants = new ConcurrentHashMap<>();
    /** token or session id → where it is. */
    private final Map<String, Credential> credentials = new ConcurrentHashMap<>();
    /** HMAC of a verified "user@tenant:password" → until when (epoch ms). */
    private final Map<String, Long> verified = new ConcurrentHashMap<>();

    private record Credential(String tenant, TenantFile.Token token, TenantFile.Session session) {
    }

    private AccessControl(Path dataDir, Clock clock, long sessionTtlMs) {
        this.dataDir = dataDir;
        this.clock = clock;
        this.sessionTtlMs = sessionTtlMs;
        this.throttle = new LoginThrottle(clock::millis);
        random.nextBytes(processKey);
        byte[] decoy = new byte[32];
        random.nextBytes(decoy);
        this.decoyHash = Passwords.hash(decoy, random);
    }

    /**
     * Reads every tenant's access file under {@code dataDir} (the broker's data directory) and makes sure root
     * exists. {@code sessionTtl}: how long a session from {@link #login} lasts.
     */
    public static AccessControl open(Path dataDir, Clock clock, java.time.Duration sessionTtl) {
        AccessControl access = new AccessControl(dataDir, clock, sessionTtl.toMillis());
        try {
            Path tenantsDir = dataDir.resolve(TENANTS_DIR);
            Files.createDirectories(tenantsDir.resolve(DEFAULT_TENANT));
            try (Stream<Path> dirs = Files.list(tenantsDir)) {
                for (Path dir : dirs.sorted().toList()) {
                    Path file = dir.resolve(FILE);
                    Files.deleteIfExists(dir.resolve(FILE + DurableFiles.TEMP_SUFFIX));
                    if (Files.isRegularFile(file)) {
                        String tenant = dir.getFileName().toString();
                        access.install(tenant, JSON.readValue(file.toFile(), TenantFile.class));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the access files under " + dataDir, e);
        }
        synchronized (access) {
            TenantFile defaults = access.file(DEFAULT_TENANT);
            if (defaults.user(ROOT) == null) {
                List<TenantFile.User> users = new ArrayList<>(defaults.users());
                users.add(new TenantFile.User(ROOT, Role.ROOT.label(), List.of(), List.of(), null,
                        clock.millis(), null));
                access.write(DEFAULT_TENANT, defaults.withUsers(users));
            }
        }
        return access;
    }

    // ----- authentication -----------------------------------------------------------------------------------------

    /** Root, as a call from the loopback address without credentials acts in {@code --auth loopback} mode. */
    public Principal loopbackRoot() {
        return new Principal(DEFAULT_TENANT, ROOT, Role.ROOT, StationRules.ALL, Principal.LOOPBACK, 0, "", true);
    }

    /**
     * Who {@code authorization} (the header's value: {@code Bearer ...} or {@code Basic ...}) names, from
     * {@code address} (for throttling). UNAUTHENTICATED for a missing, malformed, unknown, expired or revoked
     * credential or a wrong password (the message never says which part was wrong, nor quotes a secret);
     * LOGIN_THROTTLED after too many failures.
     */
    public Principal authenticate(String authorization, String address) {
        if (authorization == null || authorization.isBlank()) {
            throw new AccessException(ErrorCode.UNAUTHENTICATED, "this call needs credentials: an "
                    + "'authorization' header with 'Bearer TOKEN' or 'Basic' user and password");
        }
        int space = authorization.indexOf(' ');
        String scheme = space < 0 ? authorization : authorization.substring(0, space);
        String value = space < 0 ? "" : authorization.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return bearer(value);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            return basic(value, address);
        }
        throw new AccessException(ErrorCode.UNAUTHENTICATED, "the 'authorization' header must be 'Bearer TOKEN' "
                + "or 'Basic' user and password");
    }

    private Principal bearer(String token) {
        String id = Secrets.id(token);
        Credential c = id == null ? null : credentials.get(id);
        long now = clock.millis();
        if (c == null) {
            throw badToken();
        }
        String digest = Secrets.sha256(token);
        if (c.token() != null) {
            TenantFile.Token t = c.token();
            if (!Secrets.sameDigest(digest, t.sha256()) || (t.expiresMs() != 0 && now >= t.expiresMs())) {
                throw badToken();
            }
            return new Principal(c.tenant(), t.name(), Role.parse(t.role()), t.rules(),
                    Principal.TOKEN_PREFIX + t.name(), t.expiresMs(), t.id(), t.valuesGranted());
        }
        TenantFile.Session s = c.session();
        TenantFile.User user = file(c.tenant()).user(s.user());
        if (!Secrets.sameDigest(digest, s.sha256()) || now >= s.expiresMs() || user == null) {
            throw badToken();
        }
        return new Principal(c.tenant(), user.name(), Role.parse(user.role()), user.rules(), Principal.SESSION,
                s.expiresMs(), s.id(), user.valuesGranted());
    }

    private static AccessException badToken() {
        return new AccessException(ErrorCode.UNAUTHENTICATED, "the token is unknown, expired or revoked");
    }

    private Principal basic(String encoded, String address) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AccessException(ErrorCode.UNAUTHENTICATED, "the 'Basic' credentials are not valid Base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new AccessException(ErrorCode.UNAUTHENTICATED, "the 'Basic' credentials must be USER:PASSWORD");
        }
        String login = decoded.substring(0, colon);
        byte[] password = decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
        int at = login.lastIndexOf('@');
        String name = at < 0 ? login : login.substring(0, at);
        String tenant = at < 0 ? DEFAULT_TENANT : login.substring(at + 1);
        String who = Names.NAME.matcher(name).matches() && Names.NAME.matcher(tenant).matches()
                ? name + "@" + tenant : "(malformed)";
        throttle.check(who, address);
        String key = hmac(name + "@" + tenant + ":" + decoded.substring(colon + 1));
        TenantFile.User user = "(malformed)".equals(who) ? null : file(tenant).user(name);
        Long until = verified.get(key);
        long now = clock.millis();
        boolean ok;
        if (until != null && until > now && user != null) {
            ok = true;
        } else {
            ok = checkPassword(user == null ? null : user.password(), password);
            if (ok) {
                if (verified.size() >= MAX_VERIFIED) {
                    verified.clear();
                }
                verified.put(key, now + VERIFIED_MS);
            }
        }
        if (!ok || user == null) {
            throttle.failed(who, address);
            LOG.log(System.Logger.Level.WARNING, "failed login for {0} from {1}", who, address);
            throw new AccessException(ErrorCode.UNAUTHENTICATED, "wrong user or password");
        }
        throttle.succeeded(who);
        return new Principal(tenant, name, Role.parse(user.role()), user.rules(), Principal.PASSWORD, 0, "",
                user.valuesGranted());
    }

    /** Checks with Argon2id, at most {@value #HASHING_AT_ONCE} at a time; a user without a password never passes. */
    private boolean checkPassword(String phc, byte[] password) {
        try {
            if (!hashing.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new AccessException(ErrorCode.LOGIN_THROTTLED, "too many logins at once; try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AccessException(ErrorCode.LOGIN_THROTTLED, "interrupted while waiting to check a password");
        }
        try {
            boolean right = Passwords.verify(phc == null ? decoyHash : phc, password);
            return right && phc != null;
        } finally {
            hashing.release();
        }
    }

    private String hmac(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(processKey, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    /**
     * The user a verified TLS client certificate names by its CN: {@code alice@hr}, {@code root}, or a name alone
     * for the default tenant. UNAUTHENTICATED when there is no such user (the certificate proves a name the
     * broker's CA vouched for; the user's role and patterns still come from the broker).
     */
    public Principal certificateUser(String commonName) {
        int at = commonName.lastIndexOf('@');
        String name = at < 0 ? commonName : commonName.substring(0, at);
        String tenant = at < 0 ? DEFAULT_TENANT : commonName.substring(at + 1);
        TenantFile.User user = Names.NAME.matcher(name).matches() && Names.NAME.matcher(tenant).matches()
                ? file(tenant).user(name) : null;
        if (user == null) {
            throw new AccessException(ErrorCode.UNAUTHENTICATED, "the client certificate names no user of this "
                    + "broker (CN " + Names.quote(commonName) + ")");
        }
        return new Principal(tenant, name, Role.parse(user.role()), user.rules(), Principal.CERTIFICATE, 0, "",
                user.valuesGranted());
    }

    /**
     * Whether a principal authenticated earlier still stands: its session or token not revoked nor expired, its
     * user not deleted. For long streams, checked again on each request that names a station.
     */
    public boolean stillValid(Principal p) {
        long now = clock.millis();
        if (p.expiresMs() != 0 && now >= p.expiresMs()) {
            return false;
        }
        if (!p.credentialId().isEmpty()) {
            return credentials.containsKey(p.credentialId());
        }
        return Principal.LOOPBACK.equals(p.via()) || file(p.tenant()).user(p.name()) != null;
    }

    /** A new session for a user who authenticated with its password; its token is shown this once. */
    public synchronized NewToken login(Principal p) {
        if (!Principal.PASSWORD.equals(p.via())) {
            throw new AccessException(ErrorCode.UNAUTHENTICATED, "log in with a user's password ('Basic'), not "
                    + "with " + (p.isUser() ? "a " + p.via() : "a token"));
        }
        TenantFile f = file(p.tenant());
        long now = clock.millis();
        String token = Secrets.newToken(random);
        TenantFile.Session session = new TenantFile.Session(Secrets.id(token), p.name(), now, now + sessionTtlMs,
                Secrets.sha256(token));
        List<TenantFile.Session> sessions = new ArrayList<>();
        for (TenantFile.Session s : f.sessions()) {
            if (s.expiresMs() > now) {
                sessions.add(s);
            }
        }
        List<TenantFile.Session> mine = sessions.stream().filter(s -> s.user().equals(p.name()))
                .sorted(Comparator.comparingLong(TenantFile.Session::createdMs)).toList();
        for (int i = 0; i <= mine.size() - MAX_SESSIONS_PER_USER; i++) {
            sessions.remove(mine.get(i));
        }
        sessions.add(session);
        write(p.tenant(), f.withSessions(sessions));
        LOG.log(System.Logger.Level.INFO, "{0} logged in", p.display());
        return new NewToken(new TokenInfo(p.tenant(), p.name(), p.role(), p.stations(), p.name(), now,
                session.expiresMs(), p.can(Permission.READ_VALUES)), token);
    }

    /** Ends the session that authenticated {@code p}; INVALID_ARGUMENT for any other kind of credential. */
    public synchronized void logout(Principal p) {
        if (!Principal.SESSION.equals(p.via())) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "only a session (from login) can log out; this "
                    + "call authenticated by " + p.via());
        }
        TenantFile f = file(p.tenant());
        write(p.tenant(), f.withSessions(f.sessions().stream().filter(s -> !s.id().equals(p.credentialId()))
                .toList()));
        LOG.log(System.Logger.Level.INFO, "{0} logged out", p.display());
    }

    // ----- users ----------------------------------------------------------------------------------------------

    /** Sets root's password (the server's {@code --root-password-file}); ends root's sessions if it changed. */
    public synchronized void setRootPassword(byte[] password) {
        TenantFile.User root = file(DEFAULT_TENANT).user(ROOT);
        if (root.password() != null && Passwords.verify(root.password(), password)) {
            return;
        }
        changePassword(DEFAULT_TENANT, ROOT, Passwords.hash(password, random), "");
    }

    /** Whether root can log in with a password. */
    public boolean rootHasPassword() {
        return file(DEFAULT_TENANT).user(ROOT).password() != null;
    }

    public UserInfo createUser(String tenant, String name, Role role, StationRules rules, String password) {
        return createUser(tenant, name, role, rules, password, false);
    }

    /** As above; {@code readValues} grants message values its role alone would not show (a viewer's). */
    public synchronized UserInfo createUser(String tenant, String name, Role role, StationRules rules,
            String password, boolean readValues) {
        Names.check("user", name);
        if (ROOT.equals(name) || role == Role.ROOT) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "'root' is the built-in user's name and role "
                    + "only");
        }
        TenantFile f = file(tenant);
        if (f.user(name) != null) {
            throw new AccessException(ErrorCode.USER_EXISTS, "user '" + name + "' already exists in tenant '"
                    + tenant + "'");
        }
        if (f.users().size() >= MAX_USERS) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "tenant '" + tenant + "' has " + MAX_USERS
                    + " users, the most it may have");
        }
        String hash = password == null || password.isEmpty() ? null : Passwords.hash(Passwords.check(password),
                random);
        TenantFile.User user = new TenantFile.User(name, role.label(), rules.allow(), rules.deny(), hash,
                clock.millis(), readValues ? Boolean.TRUE : null);
        List<TenantFile.User> users = new ArrayList<>(f.users());
        users.add(user);
        write(tenant, f.withUsers(users));
        LOG.log(System.Logger.Level.INFO, "user {0}@{1} created (role {2})", name, tenant, role.label());
        return info(tenant, user);
    }

    public UserInfo user(String tenant, String name) {
        TenantFile.User user = file(tenant).user(name);
        if (user == null) {
            Names.check("user", name);
            throw unknownUser(tenant, name);
        }
        return info(tenant, user);
    }

    public List<UserInfo> users(String tenant) {
        return file(tenant).users().stream().sorted(Comparator.comparing(TenantFile.User::name))
                .map(u -> info(tenant, u)).toList();
    }

    /** Deletes a user and ends its sessions. Root cannot be deleted, nor can a user delete itself. */
    public synchronized void deleteUser(Principal by, String tenant, String name) {
        TenantFile f = file(tenant);
        if (f.user(name) == null) {
            Names.check("user", name);
            throw unknownUser(tenant, name);
        }
        if (DEFAULT_TENANT.equals(tenant) && ROOT.equals(name)) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "the built-in user 'root' cannot be deleted");
        }
        if (by.isUser() && by.tenant().equals(tenant) && by.name().equals(name)) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "a user cannot delete itself");
        }
        write(tenant, new TenantFile(TenantFile.VERSION, f.users().stream().filter(u -> !u.name().equals(name))
                .toList(), f.tokens(), f.sessions().stream().filter(s -> !s.user().equals(name)).toList()));
        verified.clear();
        LOG.log(System.Logger.Level.INFO, "user {0}@{1} deleted", name, tenant);
    }

    /**
     * Sets a user's password and ends its sessions (but the one making the change). Allowed to an admin of the tenant (and root), and to a user for
     * itself (not to a token); PERMISSION_DENIED else.
     */
    public synchronized void setPassword(Principal by, String tenant, String name, String password) {
        boolean self = by.isUser() && by.tenant().equals(tenant) && by.name().equals(name);
        if (!self) {
            by.require(Permission.MANAGE_ACCESS);
        }
        if (file(tenant).user(name) == null) {
            Names.check("user", name);
            throw unknownUser(tenant, name);
        }
        changePassword(tenant, name, Passwords.hash(Passwords.check(password), random),
                self && Principal.SESSION.equals(by.via()) ? by.credentialId() : "");
    }

    /** Sets the hash and ends the user's sessions but {@code keptSession} (the one making the change, if any). */
    private void changePassword(String tenant, String name, String hash, String keptSession) {
        TenantFile f = file(tenant);
        List<TenantFile.User> users = new ArrayList<>();
        for (TenantFile.User u : f.users()) {
            users.add(u.name().equals(name) ? new TenantFile.User(u.name(), u.role(), u.stations(), u.deny(), hash,
                    u.createdMs(), u.readValues()) : u);
        }
        write(tenant, new TenantFile(TenantFile.VERSION, users, f.tokens(), f.sessions().stream()
                .filter(s -> !s.user().equals(name) || s.id().equals(keptSession)).toList()));
        verified.clear();
        LOG.log(System.Logger.Level.INFO, "password of user {0}@{1} set", name, tenant);
    }

    private static AccessException unknownUser(String tenant, String name) {
        return new AccessException(ErrorCode.UNKNOWN_USER, "user " + Names.quote(name) + " does not exist in "
                + "tenant '" + tenant + "'");
    }

    private static UserInfo info(String tenant, TenantFile.User u) {
        return new UserInfo(tenant, u.name(), Role.parse(u.role()), u.rules(), u.createdMs(), u.password() != null,
                u.valuesGranted() || Role.parse(u.role()).allows(Permission.READ_VALUES));
    }

    // ----- tokens ---------------------------------------------------------------------------------------------

    /**
     * A new API token of {@code tenant}; its secret is in the answer only. {@code expiresInMs} 0: never expires.
     * Its role cannot be root.
     */
    public NewToken createToken(Principal by, String tenant, String name, Role role, StationRules rules,
            long expiresInMs) {
        return createToken(by, tenant, name, role, rules, expiresInMs, false);
    }

    /** As above; {@code readValues} grants message values its role alone would not show (a viewer's). */
    public synchronized NewToken createToken(Principal by, String tenant, String name, Role role, StationRules rules,
            long expiresInMs, boolean readValues) {
        Names.check("token", name);
        if (role == Role.ROOT) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "a token cannot have the role root");
        }
        if (expiresInMs < 0) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "a token's lifetime cannot be negative");
        }
        TenantFile f = file(tenant);
        if (f.tokenNamed(name) != null) {
            throw new AccessException(ErrorCode.TOKEN_EXISTS, "token '" + name + "' already exists in tenant '"
                    + tenant + "'");
        }
        if (f.tokens().size() >= MAX_TOKENS) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "tenant '" + tenant + "' has " + MAX_TOKENS
                    + " tokens, the most it may have");
        }
        long now = clock.millis();
        String secret = Secrets.newToken(random);
        TenantFile.Token token = new TenantFile.Token(Secrets.id(secret), name, role.label(), rules.allow(),
                rules.deny(), by.isRoot() ? ROOT : by.name(), now, expiresInMs == 0 ? 0
                : Math.addExact(now, expiresInMs), Secrets.sha256(secret), readValues ? Boolean.TRUE : null);
        List<TenantFile.Token> tokens = new ArrayList<>(f.tokens());
        tokens.add(token);
        write(tenant, f.withTokens(tokens));
        LOG.log(System.Logger.Level.INFO, "token {0}@{1} created (role {2}) by {3}", name, tenant, role.label(),
                by.display());
        return new NewToken(info(tenant, token), secret);
    }

    public List<TokenInfo> tokens(String tenant) {
        return file(tenant).tokens().stream().sorted(Comparator.comparing(TenantFile.Token::name))
                .map(t -> info(tenant, t)).toList();
    }

    /** Revokes a token: calls made with it fail from now on, open streams at their next request. */
    public synchronized void revokeToken(String tenant, String name) {
        TenantFile f = file(tenant);
        if (f.tokenNamed(name) == null) {
            Names.check("token", name);
            throw new AccessException(ErrorCode.UNKNOWN_TOKEN, "token " + Names.quote(name) + " does not exist in "
                    + "tenant '" + tenant + "'");
        }
        write(tenant, f.withTokens(f.tokens().stream().filter(t -> !t.name().equals(name)).toList()));
        LOG.log(System.Logger.Level.INFO, "token {0}@{1} revoked", name, tenant);
    }

    private static TokenInfo info(String tenant, TenantFile.Token t) {
        return new TokenInfo(tenant, t.name(), Role.parse(t.role()), t.rules(), t.createdBy(), t.createdMs(),
                t.expiresMs(), t.valuesGranted() || Role.parse(t.role()).allows(Permission.READ_VALUES));
    }

    // ----- tenants --------------------------------------------------------------------------------------------

    /** Forgets a deleted tenant's users, tokens and sessions (its files went with its directory). */
    public synchronized void dropTenant(String tenant) {
        if (DEFAULT_TENANT.equals(tenant)) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "the default tenant cannot be deleted");
        }
        install(tenant, null);
        verified.clear();
    }

    // ----- storage --------------------------------------------------------------------------------------------

    private TenantFile file(String tenant) {
        return tenants.getOrDefault(tenant, TenantFile.EMPTY);
    }

    private void write(String tenant, TenantFile next) {
        Path file = dataDir.resolve(TENANTS_DIR).resolve(tenant).resolve(FILE);
        try {
            DurableFiles.writePrivate(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(next));
        } catch (IOException e) {
            throw new AccessException(ErrorCode.STORAGE_ERROR, "cannot write the access file of tenant '" + tenant
                    + "': " + e.getMessage());
        }
        install(tenant, next);
    }

    /** Makes {@code next} the tenant's state (null: none) and indexes its credentials. */
    private void install(String tenant, TenantFile next) {
        TenantFile previous = next == null ? tenants.remove(tenant) : tenants.put(tenant, next);
        if (next != null) {
            for (TenantFile.Token t : next.tokens()) {
                credentials.put(t.id(), new Credential(tenant, t, null));
            }
            for (TenantFile.Session s : next.sessions()) {
                credentials.put(s.id(), new Credential(tenant, null, s));
            }
        }
        if (previous != null) {
            java.util.Set<String> kept = new java.util.HashSet<>();
            if (next != null) {
                next.tokens().forEach(t -> kept.add(t.id()));
                next.sessions().forEach(s -> kept.add(s.id()));
            }
            previous.tokens().stream().map(TenantFile.Token::id).filter(id -> !kept.contains(id))
                    .forEach(credentials::remove);
            previous.sessions().stream().map(TenantFile.Session::id).filter(id -> !kept.contains(id))
                    .forEach(credentials::remove);
        }
    }
}
