package io.junction.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.junction.errors.ErrorCode;

class AccessControlTest {

    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path data;

    private final MovingClock clock = new MovingClock();
    private AccessControl access;

    @BeforeEach
    void open() throws IOException {
        Files.createDirectories(data.resolve("tenants/hr"));
        access = AccessControl.open(data, clock, Duration.ofHours(1));
    }

    private static String basic(String login, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((login + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static void refused(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(AccessException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    private Principal alice() {
        return access.authenticate(basic("alice@hr", PASSWORD), "10.0.0.1");
    }

    @Test
    void aUserLogsInWithItsPasswordInItsTenant() {
        access.createUser("hr", "alice", Role.ADMIN, new StationRules(List.of("hr.*"), List.of()), PASSWORD);

        Principal p = alice();

        assertThat(p.tenant()).isEqualTo("hr");
        assertThat(p.name()).isEqualTo("alice");
        assertThat(p.role()).isEqualTo(Role.ADMIN);
        assertThat(p.via()).isEqualTo(Principal.PASSWORD);
        assertThat(p.stations().permits("hr.employees")).isTrue();
        assertThat(p.stations().permits("payroll")).isFalse();
    }

    @Test
    void aWrongPasswordAndAnUnknownUserGetTheSameAnswer() {
        access.createUser("hr", "alice", Role.ADMIN, StationRules.ALL, PASSWORD);

        Throwable wrong = org.assertj.core.api.Assertions.catchThrowable(
                () -> access.authenticate(basic("alice@hr", "not the password"), "10.0.0.1"));
        Throwable unknown = org.assertj.core.api.Assertions.catchThrowable(
                () -> access.authenticate(basic("bob@hr", PASSWORD), "10.0.0.2"));
        Throwable noTenant = org.assertj.core.api.Assertions.catchThrowable(
                () -> access.authenticate(basic("alice", PASSWORD), "10.0.0.3")); // alice of default: none

        for (Throwable t : List.of(wrong, unknown, noTenant)) {
            assertThat(t).isInstanceOf(AccessException.class).hasMessage("wrong user or password");
            assertThat(((AccessException) t).code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
        }
    }

    @Test
    void aUserWithoutAPasswordCannotLogIn() {
        access.createUser("hr", "robot", Role.PRODUCER, StationRules.ALL, null);
        refused(() -> access.authenticate(basic("robot@hr", ""), "10.0.0.1"), ErrorCode.UNAUTHENTICATED);
        assertThat(access.user("hr", "robot").hasPassword()).isFalse();
    }

    @Test
    void fiveFailuresInAMinuteLockTheUserOutUntilTheMinuteIsOver() {
        access.createUser("hr", "alice", Role.ADMIN, StationRules.ALL, PASSWORD);
        for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
            String address = "10.0.0." + i;
            refused(() -> access.authenticate(basic("alice@hr", "guess-" + clock.millis()), address),
                    ErrorCode.UNAUTHENTICATED);
            clock.advance(Duration.ofSeconds(1));
        }
        // Even the right password, from a fresh address, is refused now: the user is throttled.
        assertThatThrownBy(this::alice).isInstanceOfSatisfying(AccessException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.LOGIN_THROTTLED);
            assertThat(e.getMessage()).contains("for this user").contains("try again in 55 s");
        });
        clock.advance(Duration.ofSeconds(54));
        refused(this::alice, ErrorCode.LOGIN_THROTTLED);
        clock.advance(Duration.ofSeconds(1)); // the first failure is a minute old now
        assertThat(alice().name()).isEqualTo("alice");
    }

    @Test
    void twentyFailuresFromOneAddressLockThatAddressOutForEveryUser() {
        access.createUser("hr", "alice", Role.ADMIN, StationRules.ALL, PASSWORD);
        for (int i = 0; i < LoginThrottle.MAX_ADDRESS_FAILURES; i++) {
            if (i == LoginThrottle.MAX_FAILURES) {
                // five failures of five users from one address do not lock the others out yet
                assertThat(access.authenticate(basic("alice@hr", PASSWORD), "203.0.113.9").name()).isEqualTo("alice");
            }
            String user = "user" + i + "@hr";
            refused(() -> access.authenticate(basic(user, "guess"), "203.0.113.9"), ErrorCode.UNAUTHENTICATED);
        }
        assertThatThrownBy(() -> access.authenticate(basic("alice@hr", PASSWORD), "203.0.113.9"))
                .isInstanceOfSatisfying(AccessException.class, e -> assertThat(e.getMessage())
                        .contains("from this address"));
        assertThat(access.authenticate(basic("alice@hr", PASSWORD), "198.51.100.1").name()).isEqualTo("alice");
    }

    @Test
    void aTokenAuthenticatesUntilRevokedOrExpiredAndOnlyWithItsExactSecret() {
        Principal admin = access.loopbackRoot();
        NewToken ci = access.createToken(admin, "hr", "ci", Role.PRODUCER, new StationRules(List.of("hr.*"),
                List.of()), 0);
        NewToken brief = access.createToken(admin, "hr", "brief", Role.VIEWER, StationRules.ALL, 60_000);

        Principal p = access.authenticate("Bearer " + ci.secret(), "10.0.0.1");
        assertThat(p.tenant()).isEqualTo("hr");
        assertThat(p.role()).isEqualTo(Role.PRODUCER);
        assertThat(p.via()).isEqualTo("token:ci");
        assertThat(p.isUser()).isFalse();
        assertThat(ci.secret()).startsWith("jn_").hasSize(Secrets.LENGTH);

        String tampered = ci.secret().substring(0, ci.secret().length() - 1)
                + (ci.secret().endsWith("A") ? "B" : "A");
        refused(() -> access.authenticate("Bearer " + tampered, "10.0.0.1"), ErrorCode.UNAUTHENTICATED);
        refused(() -> access.authenticate("Bearer nonsense", "10.0.0.1"), ErrorCode.UNAUTHENTICATED);

        assertThat(access.authenticate("Bearer " + brief.secret(), "10.0.0.1").role()).isEqualTo(Role.VIEWER);
        clock.advance(Duration.ofSeconds(60));
        refused(() -> access.authenticate("Bearer " + brief.secret(), "10.0.0.1"), ErrorCode.UNAUTHENTICATED);

        access.revokeToken("hr", "ci");
        refused(() -> access.authenticate("Bearer " + ci.secret(), "10.0.0.1"), ErrorCode.UNAUTHENTICATED);
        assertThat(access.stillValid(p)).isFalse();
        refused(() -> access.revokeToken("hr", "ci"), ErrorCode.UNKNOWN_TOKEN);
    }

    @Test
    void aSessionActsAsItsUserAndEndsWithLogoutPasswordChangeOrDeletion() {
        access.createUser("hr", "alice", Role.ADMIN, StationRules.ALL, PASSWORD);
        access.createUser("hr", "bob", Role.CONSUMER, StationRules.ALL, PASSWORD + "!");

        NewToken s1 = access.login(alice());
        Principal viaSession = access.authenticate("Bearer " + s1.secret(), "10.0.0.1");
        assertThat(viaSession.via()).isEqualTo(Principal.SESSION);
        assertThat(viaSession.role()).isEqualTo(Role.ADMIN);
        access.logout(viaSession);
        refused(() -> access.authenticate("Bearer " + s1.secret(), "10.0.0.1"), ErrorCode.UNAUTHENTICATED);

        NewToken s2 = access.login(alice());
        access.setPassword(alice(), "hr", "alice", "a new password");
        refused(() -> access.authenticate("Bearer " + s2.secret(), "10.0.0.1"), ErrorCode.UNAUTHENTICATED);
        // the old password is not remembered as right either
        refused(this::alice, ErrorCode.UNAUTHENTICATED);

        Principal bob = access.authenticate(basic("bob@hr", PASSWORD + "!"), "10.0.0.2");
        NewToken s3 = access.login(bob);
        NewToken s3b = access.login(bob);
        Principal bobsSession = access.authenticate("Bearer " + s3b.secret(), "10.0.0.2");
        refused(() -> access.setPassword(bob, "hr", "alice", "bob's choice!"), ErrorCode.PERMISSION_DENIED);
        access.setPassword(bobsSession, "hr", "bob", "bob's own new one"); // its own: allowed
        NewToken s4 = access.login(access.authenticate(basic("bob@hr", "bob's own new one"), "10.0.0.2"));
        refused(() -> access.authenticate("Bearer " + s3.secret(), "10.0.0.1"), ErrorCode.UNAUTHENTICATED);
        assertThat(access.authenticate("Bearer " + s3b.secret(), "10.0.0.2").name())
                .as("the session that changed the password goes on").isEqualTo("bob");
        access.deleteUser(access.loopbackRoot(), "hr", "bob");
        refused(() -> access.authenticate("Bearer " + s4.secret(), "10.0.0.1"), ErrorCode.UNAUTHENTICATED);
    }

    @Test
    void sessionsExpire() {
        access.createUser("hr", "alice", Role.ADMIN, StationRules.ALL, PASSWORD);
        NewToken s = access.login(alice());
        clock.advance(Duration.ofHours(1));
        refused(() -> access.authenticate("Bearer " + s.secret(), "10.0.0.1"), ErrorCode.UNAUTHENTICATED);
    }

    @Test
    void onlyAPasswordOpensASession() {
        NewToken ci = access.createToken(access.loopbackRoot(), "hr", "ci", Role.ADMIN, StationRules.ALL, 0);
        refused(() -> access.login(access.authenticate("Bearer " + ci.secret(), "10.0.0.1")),
                ErrorCode.UNAUTHENTICATED);
        refused(() -> access.login(access.loopbackRoot()), ErrorCode.UNAUTHENTICATED);
    }

    @Test
    void everythingSurvivesAReopenAndTheFileHoldsNoSecret() throws IOException {
        access.createUser("hr", "alice", Role.ADMIN, StationRules.ALL, PASSWORD);
        NewToken ci = access.createToken(access.loopbackRoot(), "hr", "ci", Role.PRODUCER, StationRules.ALL, 0);
        NewToken session = access.login(alice());
        access.setRootPassword(Passwords.check("root password 1"));

        AccessControl reopened = AccessControl.open(data, clock, Duration.ofHours(1));

        assertThat(reopened.authenticate("Bearer " + ci.secret(), "10.0.0.1").via()).isEqualTo("token:ci");
        assertThat(reopened.authenticate("Bearer " + session.secret(), "10.0.0.1").name()).isEqualTo("alice");
        assertThat(reopened.authenticate(basic("alice@hr", PASSWORD), "10.0.0.1").role()).isEqualTo(Role.ADMIN);
        assertThat(reopened.authenticate(basic("root", "root password 1"), "10.0.0.1").isRoot()).isTrue();
        assertThat(reopened.rootHasPassword()).isTrue();

        for (Path file : List.of(data.resolve("tenants/hr/access.json"), data.resolve("tenants/default/access.json"))) {
            String text = Files.readString(file);
            assertThat(text).doesNotContain(PASSWORD).doesNotContain("root password 1")
                    .doesNotContain(ci.secret()).doesNotContain(session.secret())
                    .doesNotContain(ci.secret().substring(24)).contains("$argon2id$v=19$m=19456,t=2,p=1$");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
    }

    @Test
    void aCorruptAccessFileStopsTheOpenNamingIt() throws IOException {
        access.createUser("hr", "alice", Role.ADMIN, StationRules.ALL, PASSWORD);
        Path file = data.resolve("tenants/hr/access.json");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> AccessControl.open(data, clock, Duration.ofHours(1)))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining(data.toString());
    }

    @Test
    void aWriteCutShortByACrashLeavesTheLastWholeFile() throws IOException {
        access.createUser("hr", "alice", Role.ADMIN, StationRules.ALL, PASSWORD);
        // A crash while the next version was being written: its temp file, half written, is all that is left.
        Path temp = data.resolve("tenants/hr/access.json.tmp");
        Files.writeString(temp, "{\"version\":1,\"users\":[{\"name\":\"mallory\",\"ro");

        AccessControl reopened = AccessControl.open(data, clock, Duration.ofHours(1));

        assertThat(reopened.users("hr")).extracting(UserInfo::name).containsExactly("alice");
        assertThat(temp).doesNotExist();
    }

    @Test
    void rootIsBuiltInAndCannotBeMadeNorDeleted() {
        assertThat(access.users("default")).extracting(UserInfo::name).containsExactly("root");
        assertThat(access.rootHasPassword()).isFalse();
        refused(() -> access.createUser("hr", "root", Role.ADMIN, StationRules.ALL, null),
                ErrorCode.INVALID_ARGUMENT);
        refused(() -> access.createUser("hr", "eve", Role.ROOT, StationRules.ALL, null), ErrorCode.INVALID_ARGUMENT);
        refused(() -> access.createToken(access.loopbackRoot(), "hr", "t", Role.ROOT, StationRules.ALL, 0),
                ErrorCode.INVALID_ARGUMENT);
        refused(() -> access.deleteUser(access.loopbackRoot(), "default", "root"), ErrorCode.INVALID_ARGUMENT);
        access.createUser("hr", "alice", Role.ADMIN, StationRules.ALL, PASSWORD);
        refused(() -> access.deleteUser(alice(), "hr", "alice"), ErrorCode.INVALID_ARGUMENT);
        refused(() -> access.createUser("hr", "alice", Role.VIEWER, StationRules.ALL, null), ErrorCode.USER_EXISTS);
        refused(() -> access.createUser("hr", "Alice!", Role.VIEWER, StationRules.ALL, null), ErrorCode.INVALID_NAME);
    }

    @Test
    void aDroppedTenantsCredentialsStopWorking() {
        NewToken ci = access.createToken(access.loopbackRoot(), "hr", "ci", Role.PRODUCER, StationRules.ALL, 0);
        access.dropTenant("hr");
        refused(() -> access.authenticate("Bearer " + ci.secret(), "10.0.0.1"), ErrorCode.UNAUTHENTICATED);
        refused(() -> access.dropTenant("default"), ErrorCode.INVALID_ARGUMENT);
    }

    @Test
    void malformedHeadersAreRefusedAsUnauthenticated() {
        for (String header : new String[] {null, "", "Token abc", "Basic !!!", "Basic " + Base64.getEncoder()
                .encodeToString("no-colon".getBytes(StandardCharsets.UTF_8)), "Bearer", "Bearer jn_" + "g".repeat(20)
                + "_" + "x".repeat(43)}) {
            refused(() -> access.authenticate(header, "10.0.0.1"), ErrorCode.UNAUTHENTICATED);
        }
    }

    /** A clock the test moves. */
    static final class MovingClock extends Clock {
        private Instant now = Instant.parse("2026-12-02T08:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
