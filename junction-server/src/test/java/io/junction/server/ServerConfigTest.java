package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class ServerConfigTest {

    @Test
    void boundsWhatAllGroupsKeepInMemoryBrokerWide() {
        assertThat(ServerConfig.builder().build().consumerLimits().heldBytes()).isEqualTo(256L << 20);
        assertThat(ServerConfig.builder().consumerHeldBytes(0).build().consumerLimits().heldBytes()).isZero();
        assertThatThrownBy(() -> ServerConfig.builder().consumerHeldBytes(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumer-held-bytes");
    }

    @Test
    void shouldDefaultToTheDocumentedPortsAndDataDirectory() {
        final ServerConfig config = ServerConfig.defaults();

        assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.port()).isEqualTo(6666);
        assertThat(config.httpPort()).isEqualTo(9000);
    }

    @Test
    void shouldRejectAPortOutOfRangeNamingTheField() {
        assertThatThrownBy(() -> ServerConfig.builder().port(65_536).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("port must be in [0, 65535]")
                .hasMessageEndingWith("was 65536");
        assertThatThrownBy(() -> ServerConfig.builder().httpPort(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("http-port must be in [0, 65535]");
    }

    @Test
    void shouldRejectTheSamePortForGrpcAndHttp() {
        assertThatThrownBy(() -> ServerConfig.builder().port(7000).httpPort(7000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port and http-port must differ, both were 7000");
    }

    @Test
    void shouldAllowBothPortsToBeEphemeral() {
        final ServerConfig config = ServerConfig.builder().port(0).httpPort(0).build();

        assertThat(config.port()).isZero();
        assertThat(config.httpPort()).isZero();
    }

    @Test
    void shouldRejectAMissingDataDirectoryOrHost() {
        assertThatThrownBy(() -> ServerConfig.builder().dataDir(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("data must be");
        assertThatThrownBy(() -> ServerConfig.builder().host(" ").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("host must be");
    }
}
