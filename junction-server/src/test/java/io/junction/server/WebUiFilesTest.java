package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI's files as the server serves them (no browser): {@code index.html} at {@code /} on the HTTP port only,
 * the modules with a JavaScript type, revalidated caching and the content security policy; and the files themselves
 * hold nothing that policy forbids (inline scripts or styles, eval, other origins), so no page breaks on it.
 */
class WebUiFilesTest {

    private static final Path UI = Path.of("src", "main", "resources", "io", "junction", "server", "ui");

    @TempDir
    Path dir;

    @Test
    void servesTheUiAtTheRootOfTheHttpPortOnly() {
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            RestClient http = new RestClient(server.httpPort(), null);
            RestClient.Answer index = http.get("/");
            assertThat(index.status()).isEqualTo(200);
            assertThat(index.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t)
                    .startsWith("text/html"));
            assertThat(index.text()).contains("<script type=\"module\" src=\"app.js\"></script>");
            assertThat(index.headers().firstValue("cache-control")).hasValueSatisfying(c -> assertThat(c)
                    .contains("no-cache"));
            assertThat(index.headers().firstValue("etag")).isPresent();
            assertThat(index.headers().firstValue("content-security-policy")).hasValueSatisfying(c -> assertThat(c)
                    .contains("default-src 'self'"));

            for (String module : List.of("/app.js", "/vendor/preact.module.js", "/vendor/uPlot.esm.js")) {
                RestClient.Answer js = http.get(module);
                assertThat(js.status()).as(module).isEqualTo(200);
                assertThat(js.headers().firstValue("content-type")).as(module).hasValueSatisfying(t -> assertThat(t)
                        .contains("javascript"));
            }
            assertThat(http.get("/app.css").headers().firstValue("content-type")).hasValueSatisfying(t ->
                    assertThat(t).startsWith("text/css"));
            assertThat(http.get("/vendor/LICENSE-preact").status()).isEqualTo(200);
            assertThat(http.get("/no-such-file.js").status()).isEqualTo(404);
            assertThat(http.get("/../version.txt").status()).isIn(400, 404);

            RestClient grpcPort = new RestClient(server.grpcPort(), null);
            assertThat(grpcPort.get("/").status()).isEqualTo(404);
            assertThat(grpcPort.get("/app.js").status()).isEqualTo(404);
        }
    }

    /** What the content security policy would block: inline code or styles, eval, requests to other origins. */
    private static final List<Pattern> FORBIDDEN = List.of(
            Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE),
            Pattern.compile("<style", Pattern.CASE_INSENSITIVE),
            Pattern.compile("\\sstyle=", Pattern.CASE_INSENSITIVE),
            Pattern.compile("\\son[a-z]+=\"", Pattern.CASE_INSENSITIVE),
            Pattern.compile("\\beval\\(|new Function\\("),
            Pattern.compile("(src|href)=[\"']?(https?:)?//", Pattern.CASE_INSENSITIVE),
            Pattern.compile("fetch\\([\"'`]https?:"),
            Pattern.compile("import[^;]*from\\s*[\"'](https?:|//)"));

    @Test
    void theUiHoldsNothingItsContentSecurityPolicyForbids() throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.walk(UI)) {
            files = all.filter(p -> p.toString().endsWith(".html") || p.toString().endsWith(".js")
                    && !p.startsWith(UI.resolve("vendor"))).toList();
        }
        assertThat(files).contains(UI.resolve("index.html"), UI.resolve("app.js"));
        for (Path file : files) {
            String text = Files.readString(file);
            for (Pattern forbidden : FORBIDDEN) {
                assertThat(forbidden.matcher(text).find()).as("%s matches %s", file, forbidden).isFalse();
            }
        }
    }
}
