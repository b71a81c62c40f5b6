package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The tests' parser of the Prometheus text format is strict: it refuses what Prometheus would refuse. */
class PrometheusTextTest {

    private static final String GOOD = """
            # HELP a_total Things.
            # TYPE a_total counter
            a_total{x="1",y="q\\"uote"} 3.0
            # TYPE h_seconds histogram
            h_seconds_bucket{le="0.1"} 1
            h_seconds_bucket{le="+Inf"} 2
            h_seconds_count 2
            h_seconds_sum 0.5
            """;

    @Test
    void readsAWellFormedExposition() {
        PrometheusText m = PrometheusText.parse(GOOD);
        assertThat(m.value("a_total", "x", "1")).isEqualTo(3);
        assertThat(m.samples("a_total").get(0).label("y")).isEqualTo("q\"uote");
        assertThat(m.type("h_seconds")).isEqualTo("histogram");
        assertThat(m.value("h_seconds_count")).isEqualTo(2);
        assertThat(PrometheusText.parse("# a comment\n\n# TYPE a gauge\na 1\n").value("a")).isEqualTo(1);
    }

    @Test
    void refusesWhatPrometheusWouldRefuse() {
        for (String bad : new String[] {
            "a 1", // no trailing newline
            "a{x=\"1\"} 1\n", // a sample before any TYPE
            "# TYPE a gauge\na{x=1} 1\n", // an unquoted label value
            "# TYPE a gauge\na{x=\"1\" y=\"2\"} 1\n", // labels without a comma
            "# TYPE a gauge\na 1\na 2\n", // the same series twice
            "# TYPE a gauge\na one\n", // not a number
            "# TYPE a gauge\n# TYPE a gauge\na 1\n", // TYPE twice
            "# TYPE a gauge\nb 1\n", // a sample outside its family
            "# TYPE a bogus\na 1\n", // an unknown type
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", // not cumulative
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n", // no +Inf bucket
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n", // +Inf is not the count
        }) {
            assertThatThrownBy(() -> PrometheusText.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
