package io.junction.server;

import com.linecorp.armeria.common.ServerCacheControl;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.file.FileService;

/**
 * The web UI (docs/ui.md): static files in this jar under {@value #RESOURCES}, served at {@code /} on the HTTP
 * port — {@code index.html} for {@code /}, plain ES modules and a style sheet, no build step. The pages talk only to
 * the REST gateway, so the UI has no access of its own: it can do what the logged-in user's token can.
 *
 * <p>Answers carry {@code cache-control: no-cache} with an ETag and Last-Modified: a browser revalidates each file
 * (a 304 when unchanged), so a new server version's UI is never mixed with an old one's cached modules.
 * Thread-safe (a FileService is).
 */
final class WebUi {

    /** Where the files are on the class path. */
    static final String RESOURCES = "io/junction/server/ui";

    private WebUi() {
    }

    static HttpService service() {
        return FileService.builder(WebUi.class.getClassLoader(), RESOURCES)
                .cacheControl(ServerCacheControl.REVALIDATED)
                .serveCompressedFiles(false)
                .autoIndex(false)
                .build();
    }
}
