package io.junction.broker.internal.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.broker.DeliveryRef;
import io.junction.broker.MessageRef;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The group's table of deliveries waiting for their settlement, and its members' counts. */
class InFlightTableTest {

    private final InFlightTable table = new InFlightTable();
    private final Member a = new Member(null, "a", "a", null);
    private final Member b = new Member(null, "b", "b", null);

    private static InFlight delivery(Member member, int partition, long offset, long id, long deadline) {
        return new InFlight(new MessageRef(partition, offset), member, id, 100, 1, 0, "", 1_000, deadline);
    }

    @Test
    void aSettlementActsOnlyOnTheCurrentDeliveryOfTheMemberThatNamesIt() {
        InFlight f = delivery(a, 0, 7, 42, 0);
        table.add(f);
        assertThat(a.inFlight).isEqualTo(1);
        assertThat(a.inFlightBytes).isEqualTo(100);

        assertThat(table.take(b, new DeliveryRef(0, 7, 42))).as("another member").isNull();
        assertThat(table.take(a, new DeliveryRef(0, 7, 41))).as("another delivery of the message").isNull();
        assertThat(table.take(a, new DeliveryRef(1, 7, 42))).as("another partition").isNull();
        assertThat(a.inFlight).as("nothing changed").isEqualTo(1);

        assertThat(table.take(a, new DeliveryRef(0, 7, 42))).isSameAs(f);
        assertThat(a.inFlight).isZero();
        assertThat(a.inFlightBytes).isZero();
        assertThat(table.isCurrent(f)).isFalse();
        assertThat(table.take(a, new DeliveryRef(0, 7, 42))).as("settled already").isNull();
    }

    @Test
    void aNewDeliveryOfTheMessageMakesTheOldOneStale() {
        InFlight first = delivery(a, 0, 7, 42, 0);
        table.add(first);
        table.takeAll(f -> true); // timed out
        InFlight again = delivery(b, 0, 7, 43, 0);
        table.add(again);
        assertThat(table.isCurrent(first)).isFalse();
        assertThat(table.isCurrent(again)).isTrue();
        assertThat(table.held(a, new DeliveryRef(0, 7, 42))).isNull();
        assertThat(table.contains(new MessageRef(0, 7))).isTrue();
    }

    @Test
    void takeAllTakesOutWhatItSelectsAndReleasesTheMembersCounts() {
        table.add(delivery(a, 0, 1, 1, 10));
        table.add(delivery(a, 0, 2, 2, 30));
        table.add(delivery(b, 1, 1, 3, 10));

        List<InFlight> expired = table.takeAll(f -> f.deadlineNanos <= 20);

        assertThat(expired).extracting(f -> f.deliveryId).containsExactlyInAnyOrder(1L, 3L);
        assertThat(a.inFlight).isEqualTo(1);
        assertThat(b.inFlight).isZero();
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.takeAll(f -> f.member == a)).hasSize(1);
        assertThat(table.isEmpty()).isTrue();
        assertThat(a.inFlightBytes).isZero();
    }
}
