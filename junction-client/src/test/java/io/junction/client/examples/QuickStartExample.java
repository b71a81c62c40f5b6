package io.junction.client.examples;

import java.util.concurrent.CountDownLatch;

import io.junction.client.Consumer;
import io.junction.client.JunctionClient;
import io.junction.client.Message;
import io.junction.client.Producer;
import io.junction.client.Receipt;
import io.junction.client.StartPosition;
import io.junction.client.StationOptions;

/** The Java client in the README: produce three messages, consume them as group "billing". Compiled, not run. */
public final class QuickStartExample {

    public static void main(String[] args) throws Exception {
        try (JunctionClient client = JunctionClient.builder().server("localhost:6666").build()) {
            client.createStation("orders", StationOptions.builder().partitions(3).build());

            try (Producer producer = client.producer("orders").build()) {
                for (int i = 1; i <= 3; i++) {
                    Receipt receipt = producer.send(Message.builder().key("customer-" + i)
                            .value("{\"order\":" + i + "}").header("source", "web").build()).join();
                    System.out.printf("stored in partition %d at offset %d%n", receipt.partition(), receipt.offset());
                }
            }

            CountDownLatch received = new CountDownLatch(3);
            Consumer consumer = client.consumer("orders", "billing")
                    .startPosition(StartPosition.earliest())
                    .prefetch(100)
                    .handler(message -> {
                        System.out.println(message.keyAsString() + " -> " + message.valueAsString());
                        message.ack();
                        received.countDown();
                    })
                    .build();
            consumer.start();
            received.await();
            consumer.close();
        }
    }
}
