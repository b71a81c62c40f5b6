package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.api.v1.DeliveredMessage;
import io.junction.api.v1.StoredDeliveries;
import io.junction.api.v1.StoredRun;
import io.junction.broker.Delivery;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What goes as a stored batch and what one by one, and how a round is cut into responses. */
class StoredResponsesTest {

    /**
     * A stand-in for a stored batch of {@code bytes} bytes holding {@code messages} (StoredResponses reads only
     * the count, at its place in the batch header).
     */
    private static ByteBuffer batch(int bytes, int messages) {
        return ByteBuffer.allocate(bytes).putInt(52, messages).asReadOnlyBuffer();
    }

    private static Delivery delivery(int partition, long offset, int valueBytes, long id, ByteBuffer batch) {
        return new Delivery(partition, offset, null, new byte[valueBytes], List.of(), 0, 1, id, batch);
    }

    @Test
    void aBatchGoesWholeWhenTheMemberGotAQuarterOfItsMessagesTheRestOneByOne() {
        ByteBuffer mostly = batch(1000, 5); // 4 of its 5 messages delivered
        ByteBuffer barely = batch(1000, 5); // 1 of 5: less than a quarter
        List<Delivery> round = List.of(
                delivery(0, 10, 200, 1, mostly),
                delivery(1, 50, 200, 2, barely),
                delivery(0, 11, 200, 3, mostly),
                delivery(2, 7, 300, 4, null), // read again (no batch): one by one
                delivery(0, 12, 200, 5, mostly),
                delivery(0, 14, 200, 6, mostly));

        StoredDeliveries out = StoredResponses.of(round, 1 << 20).getStored();

        assertThat(out.getRunsList()).hasSize(1);
        StoredRun run = out.getRuns(0);
        assertThat(run.getPartition()).isZero();
        assertThat(run.getBatch().size()).isEqualTo(1000);
        assertThat(run.getOffsetsList()).containsExactly(10L, 11L, 12L, 14L);
        assertThat(run.getDeliveryIdsList()).containsExactly(1L, 3L, 5L, 6L);
        assertThat(out.getMessagesList()).extracting(DeliveredMessage::getDeliveryId).containsExactlyInAnyOrder(2L,
                4L);

        ByteBuffer quarter = batch(1000, 8);
        StoredDeliveries two = StoredResponses.of(List.of(delivery(3, 0, 10, 9, quarter),
                delivery(3, 1, 10, 10, quarter)), 1 << 20).getStored();
        assertThat(two.getRunsList()).as("2 of 8: a quarter").hasSize(1);
    }

    @Test
    void anOffsetThatDoesNotFollowItsRunGoesOneByOne() {
        ByteBuffer b = batch(300, 2);
        StoredDeliveries out = StoredResponses.of(List.of(delivery(0, 5, 200, 1, b), delivery(0, 4, 200, 2, b)), 1 << 20)
                .getStored();
        assertThat(out.getRuns(0).getOffsetsList()).containsExactly(5L);
        assertThat(out.getMessagesList()).extracting(DeliveredMessage::getOffset).containsExactly(4L);
    }

    @Test
    void aBatchLargerThanAResponsesBoundNeverGoesWhole() {
        ByteBuffer large = batch(5000, 2);
        List<Delivery> round = List.of(delivery(0, 0, 100, 1, large), delivery(0, 1, 100, 2, large));
        StoredDeliveries out = StoredResponses.of(round, 1000).getStored();
        assertThat(out.getRunsList()).isEmpty();
        assertThat(out.getMessagesList()).extracting(DeliveredMessage::getOffset).containsExactly(0L, 1L);
        assertThat(StoredResponses.chunk(round, 0, 1000)).as("counted by their own sizes").isEqualTo(2);
    }

    @Test
    void aRoundIsCutWhereTheNextItemWouldPassTheBoundCountingEachBatchOnce() {
        ByteBuffer a = batch(600, 5);
        ByteBuffer b = batch(600, 5);
        List<Delivery> round = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            round.add(delivery(0, i, 100, i + 1, a)); // 600 bytes in all, however many of its messages
        }
        round.add(delivery(0, 5, 100, 6, b)); // 600 more: past 1000
        round.add(delivery(1, 0, 2000, 7, null)); // larger than the bound: alone

        assertThat(StoredResponses.chunk(round, 0, 1000)).isEqualTo(5);
        assertThat(StoredResponses.chunk(round, 5, 1000)).isEqualTo(1);
        assertThat(StoredResponses.chunk(round, 6, 1000)).as("one larger item still goes").isEqualTo(1);
    }
}
