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
    void shouldHaveNoTieringWithoutABucketAndRefuseS3SettingsWithoutOne() {
        assertThat(ServerConfig.defaults().tiering()).isNull();
        assertThatThrownBy(() -> ServerConfig.builder().s3(java.net.URI.create("http://127.0.0.1:9000"), null, null,
                null, null).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("s3-endpoint needs s3-bucket (tiered storage is off without a bucket)");
        assertThatThrownBy(() -> ServerConfig.builder().s3UploadRate(1 << 20).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("s3-upload-rate needs s3-bucket");
    }

    @Test
    void shouldBuildTheTierSettingsOfTheS3Options() {
        final io.junction.tier.TierSettings t = ServerConfig.builder().s3(java.net.URI.create(
                "http://127.0.0.1:9000"), "junction-tier", null, "broker-1", null).s3UploadRate(10L << 20)
                .build().tiering();

        assertThat(t.s3().bucket()).isEqualTo("junction-tier");
        assertThat(t.s3().region()).isEqualTo("us-east-1");
        assertThat(t.s3().prefix()).isEqualTo("broker-1/");
        assertThat(t.s3().pathStyle()).as("path-style with an endpoint").isTrue();
        assertThat(t.uploadBytesPerSecond()).isEqualTo(10L << 20);
        assertThat(t.cacheBytes()).isEqualTo(1L << 30);
        assertThat(t.encryptionKeyFile()).isNull();
        assertThat(ServerConfig.builder().s3(null, "junction-tier", "eu-west-1", null, null).build().tiering().s3()
                .pathStyle()).as("AWS: virtual-hosted").isFalse();
    }

    @Test
    void shouldRefuseABadBucketOrCacheSizeNamingIt() {
        assertThatThrownBy(() -> ServerConfig.builder().s3(null, "Bad_Bucket", null, null, null).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("S3 bucket 'Bad_Bucket'");
        assertThatThrownBy(() -> ServerConfig.builder().s3(null, "junction-tier", null, null, null).s3CacheSize(10)
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("s3-cache-size");
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
