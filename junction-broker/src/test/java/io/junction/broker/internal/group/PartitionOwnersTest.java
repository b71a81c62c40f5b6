package io.junction.broker.internal.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** PARTITION ordering: which member each partition is handed to, and failover. */
class PartitionOwnersTest {

    private final PartitionOwners owners = new PartitionOwners(3);
    private final Member a = new Member(null, "a", "a", null);
    private final Member b = new Member(null, "b", "b", null);

    @Test
    void aPartitionNobodyOwnsMayGoToAnyMemberAndAnOwnedOneOnlyToItsOwner() {
        assertThat(owners.mayTake(a, 0)).isTrue();
        assertThat(owners.mayTake(b, 0)).isTrue();
        owners.hand(0, a);
        assertThat(owners.ownerOf(0)).isSameAs(a);
        assertThat(owners.mayTake(a, 0)).isTrue();
        assertThat(owners.mayTake(b, 0)).isFalse();
        assertThat(owners.mayTake(b, 1)).as("another partition").isTrue();
    }

    @Test
    void aMemberThatLeavesFreesEveryPartitionItOwned() {
        owners.hand(0, a);
        owners.hand(1, b);
        owners.hand(2, a);
        owners.freeAllOf(a);
        assertThat(owners.ownerOf(0)).isNull();
        assertThat(owners.ownerOf(1)).isSameAs(b);
        assertThat(owners.ownerOf(2)).isNull();
    }

    @Test
    void failoverFreesThePartitionAndNamesWhoOwnedIt() {
        owners.hand(1, b);
        assertThat(owners.free(1)).isSameAs(b);
        assertThat(owners.ownerOf(1)).isNull();
        assertThat(owners.free(1)).as("free already").isNull();
    }

    @Test
    void membersOwningTheFewestPartitionsComeFirstInTheirOrderAmongEquals() {
        Member c = new Member(null, "c", "c", null);
        owners.hand(0, a);
        owners.hand(1, a);
        owners.hand(2, b);
        assertThat(owners.byLoad(List.of(a, b, c))).containsExactly(c, b, a);
        assertThat(owners.byLoad(List.of(b, c))).containsExactly(c, b);
    }
}
