package io.junction.broker.internal.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.broker.MessageRef;
import org.junit.jupiter.api.Test;

class RedeliveriesTest {

    @Test
    void aMessageIsQueuedOnceAndComesOutWhenDueEarliestFirst() {
        Redeliveries r = new Redeliveries();
        r.add(0, 10, 300);
        r.add(1, 5, 100);
        r.add(0, 10, 50); // queued already: its first due time stands
        assertThat(r.contains(new MessageRef(0, 10))).isTrue();
        assertThat(r.pollDue(99)).isNull();
        assertThat(r.pollDue(1000)).isEqualTo(new Redeliveries.Due(1, 5, 100));
        assertThat(r.pollDue(1000)).isEqualTo(new Redeliveries.Due(0, 10, 300));
        assertThat(r.pollDue(1000)).isNull();
        assertThat(r.contains(new MessageRef(0, 10))).as("taken off, no longer queued").isFalse();
        assertThat(r.isEmpty()).isTrue();
        r.add(0, 10, 400);
        assertThat(r.contains(new MessageRef(0, 10))).as("may be queued again once taken").isTrue();
    }

    @Test
    void partitionOrderingTakesTheEarliestDueOnAnAllowedPartitionLowestOffsetFirstAmongEquals() {
        Redeliveries r = new Redeliveries();
        r.add(0, 7, 100);
        r.add(1, 9, 200);
        r.add(1, 3, 200);
        r.add(2, 1, 50);
        assertThat(r.pollDue(1000, p -> p == 1)).isEqualTo(new Redeliveries.Due(1, 3, 200));
        assertThat(r.pollDue(150, p -> p == 1)).as("not due yet at 150").isNull();
        assertThat(r.pollDue(1000, p -> p != 2)).isEqualTo(new Redeliveries.Due(0, 7, 100));
        assertThat(r.contains(new MessageRef(2, 1))).isTrue();
        assertThat(r.pollDue(1000)).isEqualTo(new Redeliveries.Due(2, 1, 50));
        assertThat(r.pollDue(1000)).isEqualTo(new Redeliveries.Due(1, 9, 200));
        assertThat(r.isEmpty()).isTrue();
    }
}
