package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The web UI in a real browser: Debian's headless Chromium driven through its own chromedriver (Selenium never
 * downloads a browser or a driver here), against a server that requires authentication. One user's path through the
 * pages: log in, create a station, attach a JSON Schema, produce through the form, find the message decoded in the
 * message browser, dead-letter it from a consumer (REST), resend it from the Dead letters page and see the group
 * receive it again, and the live charts drawn. A screenshot of each page goes to {@code target/ui-screenshots/}.
 *
 * <p>Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver}; without them the test fails and says how to
 * install them (CI's {@code .ci/run} does).
 */
class WebUiTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");
    private static final Path DOWNLOADS = Path.of("target", "ui-downloads");
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Samples a chart needs before it is checked: enough for lines between points, not one lone point. */
    private static final int MIN_CHART_POINTS = 3;
    private static final String PASSWORD = "the web UI's root password";
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
            + "\"item\":{\"type\":\"string\"}},\"required\":[\"id\",\"item\"]}";

    @TempDir
    Path dir;
    private JunctionServer server;
    private ChromeDriver browser;
    private WebDriverWait wait;
    private RestClient rest;
    private String base;

    /** A server that requires authentication (root's password from a file), or one in the default loopback mode. */
    private void startServer(boolean authRequired) throws IOException {
        startServer(authRequired, c -> { });
    }

    private void startServer(boolean authRequired, java.util.function.Consumer<ServerConfig.Builder> more)
            throws IOException {
        ServerConfig.Builder config = ServerConfig.builder().dataDir(dir.resolve("data")).host("127.0.0.1").port(0)
                .httpPort(0);
        more.accept(config);
        if (authRequired) {
            Path password = dir.resolve("root-password");
            Files.writeString(password, PASSWORD + "\n");
            config.auth(ServerConfig.AuthMode.REQUIRED).rootPasswordFile(password);
        }
        server = JunctionServer.start(config.build());
        base = "http://127.0.0.1:" + server.httpPort() + "/";
        rest = new RestClient(server.httpPort(), "Basic " + Base64.getEncoder().encodeToString(("root:" + PASSWORD)
                .getBytes(StandardCharsets.UTF_8)));
    }

    @BeforeEach
    void startBrowser() throws IOException {
        requireBrowser();
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
                "--disable-gpu", "--no-first-run", "--disable-extensions");
        Files.createDirectories(DOWNLOADS);
        options.setExperimentalOption("prefs", Map.of("download.default_directory", DOWNLOADS.toAbsolutePath()
                .toString(), "download.prompt_for_download", false));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1280, 800));
        wait = new WebDriverWait(browser, WAIT);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            try {
                browser.manage().logs().get(LogType.BROWSER).forEach(e -> System.out.println("browser console: "
                        + e));
            } catch (RuntimeException e) {
                System.out.println("browser console not read: " + e);
            }
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        System.out.println("web UI screenshots in " + SCREENSHOTS.toAbsolutePath());
    }

    @Test
    void operatesStationsSchemasAndDeadLettersThroughTheBrowser() throws IOException {
        startServer(true);
        browser.get(base);
        WebElement user = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
        screenshot("01-login");
        user.sendKeys("root");
        browser.findElement(By.id("login-password")).sendKeys(PASSWORD, org.openqa.selenium.Keys.ENTER);
        waitForText(By.id("whoami"), "root");

        // Schemas: create the JSON Schema with the form.
        click(By.linkText("Schemas"));
        type(By.id("schema-name"), "order");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("schema-type"))).selectByValue("json");
        type(By.id("schema-definition"), SCHEMA);
        click(By.cssSelector("#create-schema button[type=submit]"));
        waitForText(By.cssSelector("#create-schema .ok"), "Created order");
        waitForText(By.id("schemas"), "order");
        click(By.linkText("Stations"));

        // Overview: create the station with the form.
        type(By.id("station-name"), "orders");
        type(By.id("station-partitions"), "2");
        click(By.cssSelector("#create-station button[type=submit]"));
        waitForText(By.cssSelector("#create-station .ok"), "Created orders");
        waitForText(By.id("stations"), "orders");
        assertThat(rest.post("/api/v1/stations/orders/groups", Map.of("name", "billing", "start",
                Map.of("earliest", true))).status()).isEqualTo(201);

        // Station: attach the schema, produce through the form, find the message decoded in the browser.
        click(By.linkText("orders"));
        waitForText(By.id("station-title"), "orders");
        click(By.cssSelector("#schema button[type=submit]"));
        waitForText(By.id("schema"), "Attached: order");
        type(By.id("produce-key"), "order-42");
        type(By.id("produce-value"), "{\"id\": 42, \"item\": \"blue widget\"}");
        type(By.id("produce-headers"), "source=web-ui");
        click(By.id("produce-send"));
        String receipt = waitForText(By.id("produce-receipt"), "Stored at partition");
        String partition = receipt.replaceAll(".*partition (\\d+).*", "$1");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("browse-partition")))
                .selectByValue(partition);
        type(By.id("browse-search"), "blue widget");
        click(By.id("browse-go"));
        WebElement decoded = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(
                "#messages pre.decoded")));
        assertThat(json(decoded.getText()).path("item").asText()).isEqualTo("blue widget");
        assertThat(browser.findElement(By.id("messages")).getText()).contains("decoded by order:1", "order-42",
                "source=web-ui");
        screenshot("02-station");

        // The page exported as JSON (a download), and a setting changed.
        Path export = DOWNLOADS.resolve("orders-p" + partition + "-earliest.json");
        Files.deleteIfExists(export);
        click(By.id("export-json"));
        waitFor("the export " + export + " is downloaded").until(d -> Files.exists(export));
        wait.until(d -> {
            try {
                JsonNode exported = json(Files.readString(export));
                return exported.size() == 1 && exported.get(0).path("value").path("id").asInt() == 42;
            } catch (IOException e) {
                return false; // still being written
            }
        });
        Path csv = DOWNLOADS.resolve("orders-p" + partition + "-earliest.csv");
        Files.deleteIfExists(csv);
        click(By.id("export-csv"));
        waitFor("the export " + csv + " is downloaded").until(d -> {
            try {
                return Files.exists(csv) && Files.readAllLines(csv).size() == 2;
            } catch (IOException e) {
                return false; // still being written
            }
        });
        assertThat(Files.readAllLines(csv).get(0)).isEqualTo("partition,offset,timestamp,key,value,headers");
        assertThat(Files.readAllLines(csv).get(1)).startsWith(partition + ",0,").contains("order-42",
                "\"{\"\"id\"\":42,\"\"item\"\":\"\"blue widget\"\"}\"");
        type(By.name("max_deliveries"), "7");
        click(By.cssSelector("#settings button[type=submit]"));
        waitForText(By.cssSelector("#settings .ok"), "Saved.");
        assertThat(rest.get("/api/v1/stations/orders").json().path("config").path("max_deliveries").asInt())
                .isEqualTo(7);

        // A consumer of group billing dead-letters it.
        JsonNode fetched = rest.post("/api/v1/stations/orders/groups/billing/fetch", Map.of("max", 10, "wait_ms",
                5000)).json().path("messages");
        assertThat(fetched).hasSize(1);
        assertThat(rest.post("/api/v1/stations/orders/groups/billing/dead-letter", Map.of("delivery_ids",
                List.of(fetched.get(0).path("delivery_id").asText()), "reason", "cannot bill a widget")).status())
                .isEqualTo(200);

        // Group: its lag chart is drawn.
        browser.get(base + "#/stations/orders/groups/billing");
        waitForText(By.id("group-facts"), "1 dead");
        waitForDrawnChart("lag-chart", () -> { });
        screenshot("03-group");

        // Dead letters: inspect, then resend it (after the confirmation); the group gets it again.
        browser.get(base + "#/stations/orders/dead-letters");
        waitForText(By.id("dead-letters"), "cannot bill a widget");
        click(By.cssSelector("#dead-letters button.inspect"));
        assertThat(waitForText(By.id("inspect"), "blue widget")).contains("order-42", "source=web-ui");
        click(By.cssSelector("#dead-letters input.dls-select"));
        click(By.id("resend-selected"));
        WebElement confirm = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-ok")));
        assertThat(browser.findElement(By.cssSelector("dialog.confirm")).getText()).contains("Resend 1 dead letter");
        screenshot("04-dead-letters-confirm");
        confirm.click();
        waitForText(By.id("dls-result"), "Resent 1 dead letter.");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dls-empty")));
        screenshot("05-dead-letters");
        JsonNode again = rest.post("/api/v1/stations/orders/groups/billing/fetch", Map.of("max", 10, "wait_ms",
                10000)).json().path("messages");
        assertThat(again).hasSize(1);
        assertThat(again.get(0).path("key").asText()).isEqualTo("order-42");
        assertThat(again.get(0).path("value").path("item").asText()).isEqualTo("blue widget");

        // Dead-lettered again, then dropped with Drop all (after the confirmation).
        assertThat(rest.post("/api/v1/stations/orders/groups/billing/dead-letter", Map.of("delivery_ids",
                List.of(again.get(0).path("delivery_id").asText()), "reason", "still cannot")).status())
                .isEqualTo(200);
        waitForText(By.id("dead-letters"), "still cannot");
        click(By.id("drop-all"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-ok"))).click();
        waitForText(By.id("dls-result"), "Dropped 1 dead letter.");
        assertThat(rest.get("/api/v1/stations/orders/dead-letters").json().path("dead_letters")).isEmpty();

        // Group: reset to the earliest offset, after the confirmation.
        browser.get(base + "#/stations/orders/groups/billing");
        click(By.cssSelector("#reset button[type=submit]"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-ok"))).click();
        waitForText(By.cssSelector("#reset .ok"), "Reset.");
        waitForText(By.id("group-facts"), "Lag 1 ");

        // Overview: the throughput chart draws the station's line while messages arrive.
        browser.get(base + "#/");
        waitForText(By.id("stations"), "orders");
        int[] batches = {0};
        waitForDrawnChart("throughput-chart", () -> produce(batches[0]++));
        screenshot("06-overview");

        // Schemas: the verdict before saving (an incompatible version refused with its code and message, a
        // compatible one "would be version 2" with nothing saved), then the versions diff.
        browser.get(base + "#/schemas/order");
        type(By.id("version-definition"), SCHEMA.replace("\"required\":[\"id\",\"item\"]",
                "\"required\":[\"id\",\"item\",\"price\"]"));
        click(By.id("check-version"));
        waitForText(By.cssSelector("#add-version .error"), "INCOMPATIBLE_SCHEMA");
        click(By.cssSelector("#add-version button[type=submit]"));
        waitForText(By.cssSelector("#add-version .error"), "INCOMPATIBLE_SCHEMA");
        screenshot("07-schema-incompatible");
        type(By.id("version-definition"), SCHEMA.replace("\"item\":{\"type\":\"string\"}",
                "\"item\":{\"type\":\"string\"},\"price\":{\"type\":\"number\"}"));
        click(By.id("check-version"));
        waitForText(By.id("check-verdict"), "would be version 2");
        assertThat(rest.get("/api/v1/schemas/order").json().path("versions")).as("a check saves nothing")
                .hasSize(1);
        screenshot("07-schema-check");
        click(By.cssSelector("#add-version button[type=submit]"));
        waitForText(By.cssSelector("#add-version .ok"), "saved as version 2");
        waitFor("the diff shows price added").until(d -> d.findElements(By.cssSelector(
                "#schema-diff tr.added")).stream().anyMatch(row -> row.getText().contains("\"price\"")));
        screenshot("07-schema-diff");
        browser.get(base + "#/schemas");
        waitForText(By.id("schemas"), "order");
        screenshot("08-schemas");

        // Connectors: an http-sink (to a port where nothing listens) shown with its state; paused and resumed here.
        assertThat(rest.post("/api/v1/connectors", Map.of("name", "hook", "type", "http-sink", "station", "orders",
                "options", Map.of("group", "hook", "url", "http://127.0.0.1:9/nowhere"))).status()).isEqualTo(201);
        browser.get(base + "#/connectors");
        waitForText(By.id("connectors"), "hook");
        waitForText(By.id("connector-hook"), "http-sink");
        screenshot("08-connectors");
        click(By.id("pause-connector-hook"));
        waitFor("the connector is paused").until(d -> rest.get("/api/v1/connectors/hook").json().path("paused")
                .asBoolean());
        waitForText(By.id("connector-hook"), "paused");
        click(By.id("resume-connector-hook"));
        waitFor("the connector runs again").until(d -> !rest.get("/api/v1/connectors/hook").json().path("paused")
                .asBoolean());
        assertThat(rest.delete("/api/v1/connectors/hook").status()).isEqualTo(200);

        // Access: a user, an API token (its secret shown once, and it works), a tenant — created with the forms,
        // then deleted or revoked behind the confirmation.
        browser.get(base + "#/access");
        waitForText(By.id("users"), "root");
        type(By.id("user-name"), "ops");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("user-role"))).selectByValue("viewer");
        type(By.id("user-password"), "ops's long password");
        click(By.cssSelector("#create-user button[type=submit]"));
        waitForText(By.id("users"), "ops");
        assertThat(rest.get("/api/v1/users/ops").json().path("role").asText()).isEqualTo("viewer");
        type(By.id("token-name"), "ci");
        click(By.cssSelector("#create-token button[type=submit]"));
        String secret = waitForText(By.id("new-token-secret"), "jn_").strip();
        assertThat(rest.as("Bearer " + secret).get("/api/v1/whoami").json().path("via").asText())
                .isEqualTo("token:ci");
        waitForText(By.id("tokens"), "ci");
        type(By.id("tenant-name"), "beta");
        click(By.cssSelector("#create-tenant button[type=submit]"));
        waitForText(By.id("tenants"), "beta");
        screenshot("09-access");
        click(By.id("revoke-token-ci"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-ok"))).click();
        waitFor("the token is revoked").until(d -> rest.as("Bearer " + secret).get("/api/v1/whoami").status()
                == 401);
        click(By.id("delete-user-ops"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-ok"))).click();
        waitFor("the user is deleted").until(d -> rest.get("/api/v1/users/ops").status() == 404);
        click(By.id("delete-tenant-beta"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-ok"))).click();
        waitFor("the tenant is deleted").until(d -> rest.get("/api/v1/tenants/beta").status() == 404);

        // Root picks another tenant: the pages act in it.
        assertThat(rest.post("/api/v1/tenants", Map.of("name", "acme")).status()).isEqualTo(201);
        browser.get(base + "#/");
        waitFor("the tenant picker offers acme").until(d -> d.findElements(By.cssSelector(
                "#tenant-picker option[value=acme]")).size() == 1);
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("tenant-picker"))).selectByValue("acme");
        waitForText(By.id("main"), "No stations yet");
        type(By.id("station-name"), "acme-orders");
        click(By.cssSelector("#create-station button[type=submit]"));
        waitForText(By.id("stations"), "acme-orders");
        assertThat(rest.get("/api/v1/stations?tenant=acme").json().path("stations").findValuesAsText("name"))
                .containsExactly("acme-orders");
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("tenant-picker")))
                .selectByValue("default");
        waitForText(By.id("stations"), "orders");

        // The session ends elsewhere (here: logged out over REST with the UI's token): the next poll is answered
        // 401 and the login page comes back.
        String token = (String) ((JavascriptExecutor) browser).executeScript(
                "return sessionStorage.getItem('junction.token')");
        assertThat(rest.as("Bearer " + token).post("/api/v1/logout", null).status()).isEqualTo(200);
        type(By.id("login-user"), "root");
        browser.findElement(By.id("login-password")).sendKeys(PASSWORD, org.openqa.selenium.Keys.ENTER);
        waitForText(By.id("whoami"), "root");

        // A narrow screen: the station page still lays out (one column).
        browser.manage().window().setSize(new Dimension(400, 800));
        browser.get(base + "#/stations/orders");
        waitForText(By.id("station-title"), "orders");
        screenshot("10-station-narrow");
        browser.manage().window().setSize(new Dimension(1280, 800));

        click(By.id("logout"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-user")));
        assertThat(rest.as(null).get("/api/v1/stations").status()).isEqualTo(401);
    }

    @Test
    void opensWithoutALoginFromThisMachineInLoopbackMode() throws IOException {
        startServer(false);
        browser.get(base);
        waitForText(By.id("whoami"), "(root)");
        assertThat(browser.findElements(By.id("login-user"))).isEmpty();
        assertThat(browser.findElements(By.id("logout"))).as("a loopback caller has no session to end").isEmpty();
        waitForText(By.id("main"), "No stations yet");
    }

    /**
     * Tiered storage on a station's page, against a server on S3Proxy: per partition the object store's part and
     * the local part once segments are uploaded; uploads failing shown (the row red, the count and the error) once
     * the store is gone; the local retention changed and tiering turned off with the card's form (read back over
     * REST).
     */
    @Test
    void showsAndChangesTieredStorageOnAStationsPage() throws IOException {
        io.junction.tier.S3ProxyServer s3 = io.junction.tier.S3ProxyServer.start(dir.resolve("s3"));
        boolean s3Running = true;
        try {
            startServer(false, c -> c.s3(s3.endpoint(), s3.bucket(), null, "ui/", s3.credentialsFile())
                    .s3SyncInterval(Duration.ofMillis(200)));
            rest = rest.as(null); // loopback mode: root without credentials
            assertThat(rest.post("/api/v1/stations", Map.of("name", "ledger", "partitions", 1, "segment_bytes", 1024,
                    "tiering", true, "local_retention_bytes", 1024, "dedup_window_ms", 1000)).status())
                    .isEqualTo(201);
            for (int i = 0; i < 40; i++) {
                produceTo("ledger", i);
            }
            browser.get(base + "#/stations/ledger");
            waitForText(By.id("tiering-state"), "On:");
            waitFor("uploaded segments shown").until(d -> leadingNumber(d.findElement(By.cssSelector(
                    "#tier-0 .remote")).getText()) > 0);
            JsonNode status = rest.get("/api/v1/stations/ledger/tier-status").json().path("partitions").get(0);
            assertThat(browser.findElement(By.id("tier-0")).getText()).as("the row shows what the REST API says")
                    .contains(status.path("remote_first_offset").asText("0") + "..");
            assertThat(browser.findElement(By.cssSelector("#tier-0 .errors")).getText()).isEqualTo("none");
            screenshot("13-station-tiering");

            s3.close(); // the object store is gone: the next sealed segments cannot be uploaded
            s3Running = false;
            for (int i = 40; i < 80; i++) {
                produceTo("ledger", i);
            }
            waitFor("failing uploads shown").until(d -> String.valueOf(d.findElement(By.id("tier-0"))
                    .getDomAttribute("class")).contains("failing"));
            assertThat(browser.findElement(By.cssSelector("#tier-0 .errors")).getText()).contains("failed in a row");
            assertThat(leadingNumber(browser.findElement(By.cssSelector("#tier-0 .pending")).getText()))
                    .as("segments waiting for the store").isPositive();
            screenshot("14-station-tiering-failing");

            type(By.id("local-retention-bytes"), "4096");
            click(By.cssSelector("#tiering-settings button[type=submit]"));
            waitForText(By.cssSelector("#tiering .ok"), "Saved.");
            assertThat(rest.get("/api/v1/stations/ledger").json().path("config").path("local_retention_bytes")
                    .asLong()).isEqualTo(4096);
            click(By.id("tiering-switch"));
            waitForText(By.id("tiering-state"), "Off:");
            JsonNode config = rest.get("/api/v1/stations/ledger").json().path("config");
            assertThat(config.has("tiering") && !config.path("tiering").asBoolean()).as("tiering off: %s", config)
                    .isTrue();
            assertThat(browser.findElements(By.id("tier-status"))).isEmpty();
        } finally {
            if (s3Running) {
                s3.close();
            }
        }
    }

    private static long leadingNumber(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*([0-9][0-9,]*)").matcher(text);
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    }

    private void produceTo(String station, int i) {
        assertThat(rest.post("/api/v1/stations/" + station + "/messages", Map.of("messages", List.of(Map.of("key",
                "k" + i, "value", "entry " + i + " " + "x".repeat(60)), Map.of("key", "j" + i, "value", "entry "
                + i + " " + "y".repeat(60))))).status()).isEqualTo(201);
    }

    private void produce(int i) {
        assertThat(rest.post("/api/v1/stations/orders/messages", Map.of("messages", List.of(Map.of("key", "k" + i,
                "value", Map.of("id", i, "item", "gear " + i)), Map.of("key", "j" + i, "value", Map.of("id", i,
                "item", "cog " + i))))).status()).isEqualTo(201);
    }

    /**
     * Waits until the chart has {@link #MIN_CHART_POINTS} samples and its canvas a non-zero size and coloured pixels
     * (a series' line: the axes and grid are grey, the series' colours saturated),
     * running {@code meanwhile} before each look (the page polls the server every 2 s, adding a point each time).
     */
    private void waitForDrawnChart(String id, Runnable meanwhile) {
        waitFor("chart " + id + " draws a line").until(d -> {
            meanwhile.run();
            String points = d.findElement(By.id(id)).getDomAttribute("data-points");
            if (points == null || Integer.parseInt(points) < MIN_CHART_POINTS) {
                return false;
            }
            Object drawn = ((JavascriptExecutor) d).executeScript("""
                    const c = document.querySelector('#' + arguments[0] + ' canvas');
                    if (!c || c.width === 0 || c.height === 0) { return 0; }
                    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0;
                    for (let i = 0; i < px.length; i += 4) {
                      const hi = Math.max(px[i], px[i + 1], px[i + 2]);
                      const lo = Math.min(px[i], px[i + 1], px[i + 2]);
                      if (px[i + 3] > 128 && hi - lo > 80) { n++; }
                    }
                    return n;""", id);
            return ((Number) drawn).longValue() > 20;
        });
        WebElement canvas = browser.findElement(By.cssSelector("#" + id + " canvas"));
        assertThat(canvas.getSize().getWidth()).isPositive();
        assertThat(canvas.getSize().getHeight()).isPositive();
    }

    /** A wait whose timeout names what it waited for (a fresh one: a wait's message would stick to it). */
    private org.openqa.selenium.support.ui.FluentWait<org.openqa.selenium.WebDriver> waitFor(String what) {
        return new WebDriverWait(browser, WAIT).withMessage(what);
    }

    private void click(By element) {
        wait.until(ExpectedConditions.elementToBeClickable(element)).click();
    }

    /**
     * Replaces the field's text as a user does: select all, type over it. (WebElement.clear() fires no input event,
     * so a controlled field would get its old value back on the next render.)
     */
    private void type(By field, String text) {
        WebElement e = wait.until(ExpectedConditions.visibilityOfElementLocated(field));
        e.sendKeys(org.openqa.selenium.Keys.chord(org.openqa.selenium.Keys.CONTROL, "a"), text);
    }

    /** Waits until the element shows {@code text}; answers all its text. */
    private String waitForText(By element, String text) {
        waitFor(element + " shows '" + text + "'").until(ExpectedConditions.textToBePresentInElementLocated(
                element, text));
        return browser.findElement(element).getText();
    }

    /** The whole page (not only the window's part), through the DevTools protocol. */
    private void screenshot(String name) throws IOException {
        Path file = SCREENSHOTS.resolve(name + ".png");
        Map<String, Object> metrics = browser.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
        Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", size.get("width"),
                        "height", size.get("height"), "scale", 1)));
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
        System.out.println("screenshot: " + file.toAbsolutePath());
    }

    private static JsonNode json(String text) throws IOException {
        return RestClient.JSON.readTree(text);
    }

    /** Fails, saying how to install them, when Debian's chromium or chromedriver is missing. */
    private static void requireBrowser() {
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                fail("%s is missing. The web UI's browser test drives Debian's headless Chromium through its "
                        + "chromedriver and never downloads a browser: apt-get install -y --no-install-recommends "
                        + "chromium chromium-driver (CI's .ci/run installs them)", p);
            }
        }
    }
}
