package io.junction.server;

import java.nio.file.Path;

/** A crash test's server: {@code RestServerChild DATA_DIR} prints {@code PORTS grpc http}, then READY, and serves. */
public final class RestServerChild {

    private RestServerChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(Path.of(args[0]))
                .host("127.0.0.1").port(0).httpPort(0).build());
        System.out.println("PORTS " + server.grpcPort() + " " + server.httpPort());
        System.out.println("READY");
        System.out.flush();
        server.awaitTermination();
    }
}
