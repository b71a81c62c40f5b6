package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.CreateGroupRequest;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.CreateTenantRequest;
import io.junction.api.v1.CreateTokenRequest;
import io.junction.api.v1.CreateUserRequest;
import io.junction.api.v1.ErrorCode;
import io.junction.api.v1.Errors;
import io.junction.api.v1.JunctionProto;
import io.junction.api.v1.ListGroupsRequest;
import io.junction.api.v1.ListStationsRequest;
import io.junction.api.v1.ListTenantsRequest;
import io.junction.api.v1.ListTokensRequest;
import io.junction.api.v1.ListUsersRequest;
import io.junction.api.v1.LoginRequest;
import io.junction.api.v1.ProduceGrpc;
import io.junction.api.v1.ProduceMessage;
import io.junction.api.v1.ProduceRequest;
import io.junction.api.v1.RevokeTokenRequest;
import io.junction.api.v1.StartPosition;

/**
 * Access control over a real server in {@code --auth required} mode, for every RPC of every service of the proto
 * (walked from its descriptors, so a new RPC or service is covered without touching this test): no credentials, a
 * malformed, an expired and a revoked token, a user of another tenant, and users and tokens whose role lacks the
 * call's permission each get their code, and every refusal leaves the broker's state as it was. Then a seeded
 * random run of calls by another tenant's admin, which must neither see nor change anything of tenant acme.
 *
 * <p>The oracle of who may call what is this test's own (by RPC name: reads are Get/List of stations, groups,
 * dead letters, schemas and tenants, and BrowseMessages), not the server's rule table: a new RPC is denied to
 * viewers, producers and consumers until someone decides otherwise in both places.
 */
class AccessMatrixTest {

    private static final String ROOT_PASSWORD = "root password for the matrix";
    private static final String SECRET_VALUE = "acme-secret-value";

    @TempDir
    static Path dir;

    private static JunctionServer server;
    private static ManagedChannel channel;
    private static String rootSession;
    /** identity → its authorization header value (null: none). */
    private static final Map<String, String> IDENTITIES = new TreeMap<>();

    @BeforeAll
    static void start() throws Exception {
        Path password = dir.resolve("root-password");
        Files.writeString(password, ROOT_PASSWORD + "\n");
        server = JunctionServer.start(ServerConfig.builder().dataDir(dir.resolve("data")).host("127.0.0.1").port(0)
                .httpPort(0).auth(ServerConfig.AuthMode.REQUIRED).rootPasswordFile(password).build());
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        rootSession = AccessGrpc.newBlockingStub(as(basic("root", ROOT_PASSWORD))).login(
                LoginRequest.getDefaultInstance()).getToken();
        Channel root = as(bearer(rootSession));
        var access = AccessGrpc.newBlockingStub(root);
        var admin = AdminGrpc.newBlockingStub(root);
        access.createTenant(CreateTenantRequest.newBuilder().setName("acme").build());
        access.createTenant(CreateTenantRequest.newBuilder().setName("other").build());
        admin.createStation(CreateStationRequest.newBuilder().setTenant("acme").setName("orders").build());
        admin.createGroup(CreateGroupRequest.newBuilder().setTenant("acme").setStation("orders").setGroup("g")
                .setStart(StartPosition.newBuilder().setEarliest(true)).build());
        produce(root, "acme", "orders", SECRET_VALUE);
        for (String[] u : new String[][] {{"ada", "admin"}, {"vic", "viewer"}, {"pat", "producer"},
                {"con", "consumer"}}) {
            access.createUser(CreateUserRequest.newBuilder().setTenant("acme").setName(u[0]).setRole(u[1])
                    .setPassword(u[0] + "-password").build());
        }
        access.createUser(CreateUserRequest.newBuilder().setTenant("other").setName("otto").setRole("admin")
                .setPassword("otto-password").build());
        String expired = access.createToken(CreateTokenRequest.newBuilder().setTenant("acme").setName("brief")
                .setRole("admin").setExpiresInMs(1).build()).getSecret();
        String revoked = access.createToken(CreateTokenRequest.newBuilder().setTenant("acme").setName("gone")
                .setRole("admin").build()).getSecret();
        access.revokeToken(RevokeTokenRequest.newBuilder().setTenant("acme").setName("gone").build());
        String producerToken = access.createToken(CreateTokenRequest.newBuilder().setTenant("acme").setName("app")
                .setRole("producer").build()).getSecret();
        String narrowAdmin = access.createToken(CreateTokenRequest.newBuilder().setTenant("acme").setName("narrow")
                .setRole("admin").addStations("invoices.*").build()).getSecret();
        Thread.sleep(5); // the 1 ms token has certainly expired by now (the clock only moves forward)

        IDENTITIES.put("none", null);
        IDENTITIES.put("malformed", "Bearer not-a-token");
        IDENTITIES.put("expired", bearer(expired));
        IDENTITIES.put("revoked", bearer(revoked));
        IDENTITIES.put("other-tenant-admin", session("otto@other", "otto-password"));
        IDENTITIES.put("viewer", session("vic@acme", "vic-password"));
        IDENTITIES.put("producer", session("pat@acme", "pat-password"));
        IDENTITIES.put("consumer", session("con@acme", "con-password"));
        IDENTITIES.put("producer-token", bearer(producerToken));
        IDENTITIES.put("admin-narrow-stations", bearer(narrowAdmin));
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    private static String basic(String login, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private static String session(String login, String password) {
        return bearer(AccessGrpc.newBlockingStub(as(basic(login, password))).login(LoginRequest.getDefaultInstance())
                .getToken());
    }

    private static Channel as(String authorization) {
        if (authorization == null) {
            return channel;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    static void produce(Channel ch, String tenant, String station, String value) throws Exception {
        CompletableFuture<Object> done = new CompletableFuture<>();
        StreamObserver<ProduceRequest> out = ProduceGrpc.newStub(ch).produce(new StreamObserver<>() {
            @Override
            public void onNext(io.junction.api.v1.ProduceResponse r) {
                done.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        out.onNext(ProduceRequest.newBuilder().setTenant(tenant).setStation(station).setRequestId(1)
                .addMessages(ProduceMessage.newBuilder().setValue(ByteString.copyFromUtf8(value))).build());
        done.get(10, TimeUnit.SECONDS);
        out.onCompleted();
    }

    // ----- the RPCs, from the proto ---------------------------------------------------------------------------

    /** Every method of every service in junction.proto, as gRPC method descriptors. */
    static List<MethodDescriptor<Message, Message>> methods() throws Exception {
        List<MethodDescriptor<Message, Message>> methods = new ArrayList<>();
        for (Descriptors.ServiceDescriptor service : JunctionProto.getDescriptor().getServices()) {
            Class<?> grpc = Class.forName("io.junction.api.v1." + service.getName() + "Grpc");
            ServiceDescriptor d = (ServiceDescriptor) grpc.getMethod("getServiceDescriptor").invoke(null);
            assertThat(d.getMethods()).hasSize(service.getMethods().size());
            for (MethodDescriptor<?, ?> m : d.getMethods()) {
                @SuppressWarnings("unchecked")
                MethodDescriptor<Message, Message> typed = (MethodDescriptor<Message, Message>) m;
                methods.add(typed);
            }
        }
        return methods;
    }

    private static final Pattern READS = Pattern.compile(
            "(Get|List)(Station|Stations|Group|Groups|DeadLetters|Schema|Schemas|Tenant|Tenants|Connector|Connectors)"
                    + "|BrowseMessages|TierStatus"
                    + "|WhoAmI");

    /** A request of the method's type naming {@code tenant} and acme's objects. */
    static Message request(MethodDescriptor<Message, Message> method, String tenant) {
        Message prototype = ((MethodDescriptor.PrototypeMarshaller<Message>) method.getRequestMarshaller())
                .getMessagePrototype();
        String rpc = method.getBareMethodName();
        if (prototype.getDescriptorForType().getName().equals("ConsumeRequest")) {
            Descriptors.FieldDescriptor subscribe = prototype.getDescriptorForType().findFieldByName("subscribe");
            Message.Builder b = prototype.toBuilder();
            b.setField(subscribe, fill(((Message) prototype.getField(subscribe)).toBuilder(), rpc, tenant).build());
            return b.build();
        }
        Message.Builder b = fill(prototype.toBuilder(), rpc, tenant);
        if (prototype.getDescriptorForType().getName().equals("ProduceRequest")) {
            ((ProduceRequest.Builder) b).setRequestId(7).addMessages(ProduceMessage.newBuilder()
                    .setValue(ByteString.copyFromUtf8("intruder")));
        }
        return b.build();
    }

    private static Message.Builder fill(Message.Builder b, String rpc, String tenant) {
        for (Descriptors.FieldDescriptor f : b.getDescriptorForType().getFields()) {
            if (f.getJavaType() != Descriptors.FieldDescriptor.JavaType.STRING || f.isRepeated()) {
                continue;
            }
            String value = switch (f.getName()) {
                case "tenant" -> tenant;
                case "name" -> rpc.contains("Tenant") ? tenant : rpc.contains("User") || rpc.contains("Password")
                        ? "ada" : rpc.contains("Token") ? "app" : rpc.contains("Schema") ? "s" : "orders";
                case "station" -> "orders";
                case "group" -> "g";
                case "schema" -> "s";
                case "role" -> "viewer";
                case "password" -> "a new password";
                case "definition" -> "{\"type\":\"object\"}";
                default -> null;
            };
            if (value != null) {
                b.setField(f, value);
            }
        }
        return b;
    }

    /** What the call ended with: its Junction code, or null when it succeeded. */
    static ErrorCode call(String authorization, MethodDescriptor<Message, Message> method, Message request)
            throws Exception {
        Channel ch = as(authorization);
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            try {
                ClientCalls.blockingUnaryCall(ch, method, options, request);
                return null;
            } catch (io.grpc.StatusRuntimeException e) {
                return code(e);
            }
        }
        var call = ch.newCall(method, options);
        CompletableFuture<ErrorCode> outcome = new CompletableFuture<>();
        StreamObserver<Message> out = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
            @Override
            public void onNext(Message value) {
                outcome.complete(null);
            }

            @Override
            public void onError(Throwable t) {
                outcome.complete(code(t));
            }

            @Override
            public void onCompleted() {
                outcome.complete(null);
            }
        });
        out.onNext(request);
        ErrorCode code = outcome.get(10, TimeUnit.SECONDS);
        call.cancel("done", null);
        return code;
    }

    private static ErrorCode code(Throwable t) {
        return Errors.fromStatus(t).map(io.junction.api.v1.Error::getCode).orElseThrow(
                () -> new AssertionError("a refusal without a Junction code", t));
    }

    /** Everything the broker holds that a refused call could change, as root sees it. */
    static String state() {
        Channel root = as(bearer(rootSession));
        var access = AccessGrpc.newBlockingStub(root);
        var admin = AdminGrpc.newBlockingStub(root);
        StringBuilder sb = new StringBuilder();
        for (var t : access.listTenants(ListTenantsRequest.getDefaultInstance()).getTenantsList()) {
            sb.append(t).append(access.listUsers(ListUsersRequest.newBuilder().setTenant(t.getName()).build()))
                    .append(access.listTokens(ListTokensRequest.newBuilder().setTenant(t.getName()).build()))
                    .append(admin.listSchemas(io.junction.api.v1.ListSchemasRequest.newBuilder()
                            .setTenant(t.getName()).build()));
            for (var s : admin.listStations(ListStationsRequest.newBuilder().setTenant(t.getName()).build())
                    .getStationsList()) {
                // A fetch's member stays a while after the fetch (its lease) and leaves on a timer: not state.
                for (var g : admin.listGroups(ListGroupsRequest.newBuilder().setTenant(t.getName())
                        .setStation(s.getName()).build()).getGroupsList()) {
                    var shown = g.toBuilder().clearMembers();
                    g.getMembersList().stream().filter(m -> !m.getName().startsWith("fetch: "))
                            .forEach(shown::addMembers);
                    sb.append(shown.setMemberCount(shown.getMembersCount()));
                }
                // The maintenance timers' reports (a retention pass runs a minute after start) are not state.
                sb.append(s.toBuilder().clearLastRetention().clearLastCompaction());
            }
        }
        return sb.toString();
    }

    private static final List<String> TENANTS = List.of("default", "acme", "other");

    /** The newest audit entry id of each tenant (-1: none). */
    static Map<String, Long> auditMarks() {
        Map<String, Long> marks = new TreeMap<>();
        for (String tenant : TENANTS) {
            marks.put(tenant, auditAfter(tenant, -1).stream().mapToLong(io.junction.api.v1.AuditEntry::getId)
                    .max().orElse(-1));
        }
        return marks;
    }

    private static List<io.junction.api.v1.AuditEntry> auditAfter(String tenant, long afterId) {
        List<io.junction.api.v1.AuditEntry> all = new ArrayList<>();
        long after = afterId;
        while (true) {
            var page = AccessGrpc.newBlockingStub(as(bearer(rootSession))).listAudit(io.junction.api.v1
                    .ListAuditRequest.newBuilder().setTenant(tenant).setAfterId(after).setLimit(10_000).build())
                    .getEntriesList();
            if (page.isEmpty()) {
                return all;
            }
            all.addAll(page);
            after = page.get(page.size() - 1).getId();
        }
    }

    /** Waits (at most 10 s: entries of refusals are written behind the answer) for the refusal's audit entry. */
    static void awaitAuditEntry(Map<String, Long> marks, String rpc, ErrorCode code) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            for (String tenant : TENANTS) {
                for (var e : auditAfter(tenant, marks.get(tenant))) {
                    if (e.getAction().equals(rpc) && e.getResult().equals(code.name())) {
                        assertThat(e.getAddress()).isEqualTo("127.0.0.1");
                        return;
                    }
                }
            }
            assertThat(System.nanoTime()).as("an audit entry of %s refused with %s", rpc, code).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** The oracle: the code {@code identity} must get for {@code rpc} on acme's objects; null: allowed. */
    static ErrorCode expected(String identity, String rpc) {
        switch (identity) {
            case "none", "malformed", "expired", "revoked":
                return ErrorCode.UNAUTHENTICATED;
            default:
                break;
        }
        boolean read = READS.matcher(rpc).matches();
        if (rpc.equals("Login")) {
            return ErrorCode.UNAUTHENTICATED; // a session or token cannot open a session
        }
        if (rpc.equals("Logout")) {
            return identity.endsWith("token") || identity.startsWith("admin-") ? ErrorCode.INVALID_ARGUMENT : null;
        }
        if (rpc.equals("WhoAmI")) {
            return null;
        }
        if (identity.equals("other-tenant-admin")) {
            return rpc.matches("(Create|Update|Delete)Tenant") ? ErrorCode.PERMISSION_DENIED
                    : rpc.equals("ListTenants") ? null : ErrorCode.UNKNOWN_TENANT;
        }
        if (rpc.equals("ListTenants") || rpc.equals("GetTenant")) {
            return null;
        }
        if (rpc.matches("(Create|Update|Delete)Tenant")) {
            return ErrorCode.PERMISSION_DENIED;
        }
        return switch (identity) {
            case "viewer" -> read ? null : ErrorCode.PERMISSION_DENIED;
            case "producer", "producer-token" -> read || rpc.equals("Produce") ? null : ErrorCode.PERMISSION_DENIED;
            case "consumer" -> read || rpc.matches("Consume|Fetch|Settle") ? null : ErrorCode.PERMISSION_DENIED;
            // an admin limited to invoices.*: anything on station orders is denied, the tenant-wide rest allowed
            case "admin-narrow-stations" -> stationScoped(rpc) ? ErrorCode.PERMISSION_DENIED : null;
            default -> throw new AssertionError(identity);
        };
    }

    private static boolean stationScoped(String rpc) {
        return !rpc.contains("Schema") && !rpc.contains("User") && !rpc.contains("Token")
                && !rpc.contains("Password") && !rpc.contains("Audit") && !rpc.equals("ListStations")
                // a connector's station is checked when it is created; the others name only the connector
                && !rpc.matches("(Get|List|Pause|Resume|Delete)Connectors?")
                || rpc.endsWith("achSchema");
    }

    @TestFactory
    Stream<DynamicTest> everyRpcRefusesWhoMayNotCallItAndTheRefusalChangesNothing() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (MethodDescriptor<Message, Message> method : methods()) {
            String rpc = method.getBareMethodName();
            for (Map.Entry<String, String> identity : IDENTITIES.entrySet()) {
                ErrorCode want = expected(identity.getKey(), rpc);
                if (want == null) {
                    continue; // allowed calls change things; see the allowed-call test
                }
                tests.add(DynamicTest.dynamicTest(method.getFullMethodName() + " as " + identity.getKey(), () -> {
                    String before = state();
                    Map<String, Long> marks = auditMarks();
                    String tenant = identity.getKey().equals("other-tenant-admin") ? "acme" : "";
                    ErrorCode got = call(identity.getValue(), method, request(method, tenant));
                    assertThat(got).as("%s as %s", rpc, identity.getKey()).isEqualTo(want);
                    assertThat(state()).as("%s as %s changed nothing", rpc, identity.getKey()).isEqualTo(before);
                    awaitAuditEntry(marks, rpc, want);
                }));
            }
        }
        assertThat(tests).hasSizeGreaterThan(150);
        return tests.stream();
    }

    @Test
    void whatTheOracleAllowsIsNotRefusedForLackOfRightsOrCredentials() throws Exception {
        for (MethodDescriptor<Message, Message> method : methods()) {
            String rpc = method.getBareMethodName();
            if (rpc.startsWith("Delete") || rpc.equals("Logout") || rpc.equals("RevokeToken")
                    || rpc.equals("SetPassword") || rpc.equals("DropDeadLetters")) {
                continue; // destructive: shown by their own tests
            }
            for (String identity : List.of("viewer", "producer", "consumer", "producer-token")) {
                if (expected(identity, rpc) != null) {
                    continue;
                }
                Message request = request(method, "");
                if (request instanceof io.junction.api.v1.FetchRequest fetch) {
                    // a group of its own that starts at the end: nothing is leased, no group's lag changes
                    request = fetch.toBuilder().setGroup("fetch-probe").setStart(io.junction.api.v1.StartPosition
                            .newBuilder().setLatest(true)).build();
                }
                ErrorCode got = call(IDENTITIES.get(identity), method, request);
                assertThat(got).as("%s as %s", rpc, identity).isNotIn(ErrorCode.UNAUTHENTICATED,
                        ErrorCode.PERMISSION_DENIED, ErrorCode.UNKNOWN_TENANT);
            }
        }
        // The consumer's subscription ended with its stream: wait until the group shows it gone, so that the
        // state the other tests compare does not change under them.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (AdminGrpc.newBlockingStub(as(bearer(rootSession))).getGroup(io.junction.api.v1.GetGroupRequest
                .newBuilder().setTenant("acme").setStation("orders").setGroup("g").build()).getMembersList().stream()
                .anyMatch(m -> !m.getName().startsWith("fetch: "))) {
            assertThat(System.nanoTime()).as("the member left within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void anotherTenantsObjectsLookExactlyLikeMissingOnes() throws Exception {
        String otto = IDENTITIES.get("other-tenant-admin");
        for (MethodDescriptor<Message, Message> method : methods()) {
            Message toAcme = request(method, "acme");
            Message toNowhere = request(method, "no-such-tenant");
            if (toAcme.equals(toNowhere)) {
                continue; // names no tenant
            }
            assertThat(call(otto, method, toAcme)).as(method.getFullMethodName())
                    .isEqualTo(call(otto, method, toNowhere));
        }
    }

    @Test
    void noSequenceOfCallsByAnotherTenantsAdminSeesOrChangesAcme() throws Exception {
        long seed = Long.getLong("access.seed", System.nanoTime());
        System.out.println("AccessMatrixTest: seed " + seed + " (rerun with -Daccess.seed=" + seed + ")");
        Random random = new Random(seed);
        String acmeBefore = acmeState();
        String otto = IDENTITIES.get("other-tenant-admin");
        List<MethodDescriptor<Message, Message>> methods = methods();
        String[] tenants = {"", "other", "acme", "default", "ACME", "acme ", "../acme"};
        for (int i = 0; i < 300; i++) {
            MethodDescriptor<Message, Message> method = methods.get(random.nextInt(methods.size()));
            Message request = request(method, tenants[random.nextInt(tenants.length)]);
            String response = respond(otto, method, request);
            assertThat(response).as("call %d: %s %s", i, method.getFullMethodName(), request)
                    .doesNotContain(SECRET_VALUE).doesNotContain("tenant: \"acme\"");
        }
        assertThat(acmeState()).as("seed " + seed).isEqualTo(acmeBefore);
    }

    private static String acmeState() {
        String all = state();
        int from = all.indexOf("name: \"acme\"");
        int to = all.indexOf("name: \"default\"");
        return all.substring(Math.max(0, from), Math.max(from, to < from ? all.length() : to));
    }

    /** The response's text, or the error's code and message. */
    private static String respond(String authorization, MethodDescriptor<Message, Message> method, Message request)
            throws Exception {
        if (method.getType() == MethodDescriptor.MethodType.UNARY) {
            try {
                return ClientCalls.blockingUnaryCall(as(authorization), method, CallOptions.DEFAULT
                        .withDeadlineAfter(10, TimeUnit.SECONDS), request).toString();
            } catch (io.grpc.StatusRuntimeException e) {
                return e.getStatus().getCode() + " " + e.getStatus().getDescription();
            }
        }
        ErrorCode code = call(authorization, method, request);
        return String.valueOf(code);
    }
}
