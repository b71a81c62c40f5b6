package io.junction.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class S3SettingsTest {

    private static final URI LOCAL = URI.create("http://127.0.0.1:9000");

    @Test
    void fillsInDefaultsAndNormalisesThePrefix() {
        S3Settings s = new S3Settings(null, "my-bucket.logs", null, "cluster/a", null, false, null);
        assertThat(s.region()).isEqualTo("us-east-1");
        assertThat(s.prefix()).isEqualTo("cluster/a/");
        assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.describe()).isEqualTo("s3://my-bucket.logs/cluster/a/ in us-east-1");
        assertThat(S3Settings.of(null, "b12", "eu-west-1", null, null).prefix()).isEmpty();
        assertThat(S3Settings.of(LOCAL, "b12", null, "", null).pathStyle()).isTrue();
        assertThat(S3Settings.of(null, "b12", null, "", null).pathStyle()).isFalse();
        assertThat(S3Settings.of(LOCAL, "b12", null, "p/", null).describe())
                .isEqualTo("s3://b12/p/ at http://127.0.0.1:9000");
    }

    @Test
    void refusesBadBucketNames() {
        for (String bad : new String[] {null, "", "ab", "Upper", "under_score", "-start", "end-", "a..b",
            "192.168.1.1", "x".repeat(64)}) {
            assertThatThrownBy(() -> S3Settings.of(null, bad, null, "", null)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bucket");
        }
        assertThat(S3Settings.of(null, "x".repeat(63), null, "", null).bucket()).hasSize(63);
    }

    @Test
    void refusesBadEndpointsRegionsPrefixesAndTimeouts() {
        assertThatThrownBy(() -> S3Settings.of(URI.create("ftp://host/"), "bucket", null, "", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoint");
        assertThatThrownBy(() -> S3Settings.of(URI.create("host:9000"), "bucket", null, "", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoint");
        assertThatThrownBy(() -> S3Settings.of(URI.create("http://user:pw@host/"), "bucket", null, "", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("endpoint")
                .hasMessageNotContaining("pw");
        assertThatThrownBy(() -> S3Settings.of(null, "bucket", " ", "", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("region");
        assertThatThrownBy(() -> S3Settings.of(null, "bucket", null, "/abs", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix");
        assertThatThrownBy(() -> new S3Settings(null, "bucket", null, "", null, false, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    }
}
