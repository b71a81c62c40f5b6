package io.junction.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class StationRulesTest {

    @Test
    void noAllowPatternMeansEveryStation() {
        assertThat(StationRules.ALL.permits("anything")).isTrue();
        assertThat(StationRules.ALL.restricted()).isFalse();
    }

    @Test
    void globsMatchWholeNames() {
        StationRules hr = new StationRules(List.of("hr.*", "payroll"), List.of());
        assertThat(hr.permits("hr.employees")).isTrue();
        assertThat(hr.permits("hr.")).isTrue();
        assertThat(hr.permits("payroll")).isTrue();
        assertThat(hr.permits("payroll2")).isFalse();
        assertThat(hr.permits("xhr.employees")).isFalse();
        assertThat(hr.permits("hr")).isFalse();
        assertThat(StationRules.matches("*-eu", "orders-eu")).isTrue();
        assertThat(StationRules.matches("a*b*c", "abc")).isTrue();
        assertThat(StationRules.matches("a*b*c", "aXbYc")).isTrue();
        assertThat(StationRules.matches("a*b*c", "acb")).isFalse();
        assertThat(StationRules.matches("ab*ba", "aba")).isFalse(); // prefix and suffix must not overlap
        assertThat(StationRules.matches("*", "x")).isTrue();
    }

    @Test
    void denyBeatsAllow() {
        StationRules rules = new StationRules(List.of("hr.*"), List.of("hr.salaries*"));
        assertThat(rules.permits("hr.employees")).isTrue();
        assertThat(rules.permits("hr.salaries")).isFalse();
        assertThat(rules.permits("hr.salaries-2026")).isFalse();
        assertThat(new StationRules(List.of(), List.of("secret")).permits("secret")).isFalse();
        assertThat(new StationRules(List.of(), List.of("secret")).permits("public")).isTrue();
    }

    @Test
    void refusesPatternsThatCannotNameAStation() {
        assertThatThrownBy(() -> new StationRules(List.of("HR.*"), List.of())).isInstanceOf(AccessException.class);
        assertThatThrownBy(() -> new StationRules(List.of("a/b"), List.of())).isInstanceOf(AccessException.class);
        assertThatThrownBy(() -> new StationRules(List.of(""), List.of())).isInstanceOf(AccessException.class);
        assertThatThrownBy(() -> new StationRules(java.util.Collections.nCopies(65, "a"), List.of()))
                .isInstanceOf(AccessException.class);
    }
}
