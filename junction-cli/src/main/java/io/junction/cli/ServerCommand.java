package io.junction.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.slf4j.LoggerFactory;

import io.junction.server.JunctionServer;
import io.junction.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code junction server}: runs a broker in this process until Ctrl-C or SIGTERM, then stops it gracefully. The
 * option names and defaults are {@link ServerConfig}'s, so they cannot drift apart.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run a Junction server until Ctrl-C or SIGTERM.")
final class ServerCommand implements Callable<Integer> {

    @Option(names = "--" + ServerConfig.DATA_DIR, paramLabel = "DIR", defaultValue = ServerConfig.DEFAULT_DATA_DIR,
            description = "Directory for everything the broker keeps; created if missing (default: ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--" + ServerConfig.PORT, paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_PORT,
            description = "gRPC port, for clients and the CLI; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--" + ServerConfig.HTTP_PORT, paramLabel = "N",
            defaultValue = "" + ServerConfig.DEFAULT_HTTP_PORT,
            description = "HTTP port, for /health; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int httpPort;

    @Override
    public Integer call() throws InterruptedException {
        final JunctionServer server = JunctionServer.start(ServerConfig.builder()
                .dataDir(dataDir)
                .port(port)
                .httpPort(httpPort)
                .build());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            LoggerFactory.getLogger(ServerCommand.class).info("Junction stopped");
        }, "junction-shutdown"));
        server.awaitTermination();
        return 0;
    }
}
