package io.junction.broker.internal.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link AckSet} against a {@code TreeSet} model (what the group kept before): random adds, removes, floors moved
 * over acked offsets, windows cleared, near and far above the floor. Seed printed; {@code -Dackset.seed=N}.
 */
class AckSetTest {

    @Test
    void behavesAsASortedSetOfOffsetsAboveAMovingFloor() {
        String fixed = System.getProperty("ackset.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        System.out.println("AckSetTest: seed=" + seed + " (replay with -Dackset.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int run = 0; run < 200; run++) {
            AckSet set = new AckSet();
            TreeSet<Long> model = new TreeSet<>();
            long floor = random.nextInt(3) == 0 ? random.nextInt(1 << 20) : 0;
            int spread = 1 + random.nextInt(random.nextBoolean() ? 70 : 5000);
            for (int step = 0; step < 400; step++) {
                String context = "seed " + seed + " run " + run + " step " + step;
                int op = random.nextInt(10);
                if (op < 5) {
                    long o = floor + random.nextInt(spread);
                    assertThat(set.add(o)).as(context).isEqualTo(model.add(o));
                } else if (op == 5) {
                    long o = floor + random.nextInt(spread);
                    assertThat(set.remove(o)).as(context).isEqualTo(model.remove(o));
                } else if (op < 8) { // the floor moves over what is acked right above it
                    long next = floor;
                    while (model.remove(next)) {
                        next++;
                    }
                    assertThat(set.advance(floor)).as(context).isEqualTo(next);
                    floor = next;
                    if (random.nextInt(4) == 0) { // the message at the floor is acked too: the floor moves again
                        set.add(floor);
                        model.add(floor);
                    }
                } else if (op == 8) { // retention or a gap: everything below some offset is done
                    long to = floor + random.nextInt(spread + 1);
                    assertThat(set.countBelow(to)).as(context).isEqualTo(model.headSet(to).size());
                    set.clearBelow(to);
                    model.headSet(to).clear();
                    floor = to;
                } else {
                    long o = floor - 5 + random.nextInt(spread + 10);
                    assertThat(set.contains(o)).as(context + " contains " + o).isEqualTo(model.contains(o));
                }
                assertThat(set.size()).as(context).isEqualTo(model.size());
            }
            List<Long> listed = new ArrayList<>();
            set.forEach(listed::add);
            assertThat(listed).as("seed %d run %d: ascending, as the model", seed, run).containsExactlyElementsOf(model);
        }
    }

    @Test
    void aMillionAcksAboveOneStuckMessageTakeABitEach() {
        AckSet set = new AckSet();
        for (long o = 1; o <= 1_000_000; o++) {
            set.add(o); // offset 0 is held by a slow consumer
        }
        assertThat(set.size()).isEqualTo(1_000_000);
        assertThat(set.advance(0)).as("the floor cannot pass the stuck message").isZero();
        set.add(0);
        assertThat(set.advance(0)).as("once it is acked, the floor passes all of them").isEqualTo(1_000_001);
        assertThat(set.isEmpty()).isTrue();
    }
}
