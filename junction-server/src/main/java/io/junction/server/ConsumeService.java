package io.junction.server;

import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AckConfirmed;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.ConsumeResponse;
import io.junction.api.v1.DeliveredBatch;
import io.junction.api.v1.Subscribed;
import io.junction.broker.Broker;
import io.junction.broker.BrokerException;
import io.junction.broker.Delivery;
import io.junction.broker.DeliverySink;
import io.junction.broker.ErrorCode;
import io.junction.broker.GroupMember;
import io.junction.broker.OnDeadLetter;
import io.junction.broker.Ordering;
import java.time.Duration;

/**
 * {@code junction.v1.Consume}: one stream per group member. The first request must be a Subscribe; then
 * credits and acks flow up and messages down. When the stream ends, for any reason, the member leaves and its
 * unacked messages go to the other members at once. An ack with {@code sync} set is confirmed with
 * {@code ack_confirmed} once it is durable.
 */
final class ConsumeService extends ConsumeGrpc.ConsumeImplBase {

    /** The values' bytes above which a batch of deliveries is split over several responses. */
    static final int BATCH_BYTES = 1 << 20;

    private final Broker broker;

    ConsumeService(Broker broker) {
        this.broker = broker;
    }

    @Override
    public StreamObserver<ConsumeRequest> consume(StreamObserver<ConsumeResponse> out) {
        return new Session(out);
    }

    /** One member's stream. The group's owner thread and gRPC threads both send: every send is serialized. */
    private final class Session implements StreamObserver<ConsumeRequest>, DeliverySink {
        private final StreamObserver<ConsumeResponse> out;
        private volatile GroupMember member;
        private volatile boolean batches;
        private boolean finished; // guarded by this

        Session(StreamObserver<ConsumeResponse> out) {
            this.out = out;
        }

        @Override
        public void onNext(ConsumeRequest request) {
            try {
                switch (request.getKindCase()) {
                    case SUBSCRIBE -> subscribe(request.getSubscribe());
                    case CREDIT -> joined().addCredits(request.getCredit().getMessages());
                    case ACK -> ack(request.getAck());
                    case NACK -> joined().nack(Convert.refs(request.getNack().getMessagesList()),
                            Duration.ofMillis(Math.max(0, request.getNack().getDelayMs())),
                            request.getNack().getError());
                    case DEAD_LETTER -> joined().deadLetter(Convert.refs(request.getDeadLetter().getMessagesList()),
                            request.getDeadLetter().getReason());
                    case IN_PROGRESS -> joined().inProgress(Convert.refs(request.getInProgress().getMessagesList()));
                    default -> throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "empty consume request");
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void subscribe(io.junction.api.v1.Subscribe s) {
            if (member != null) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "this stream has already subscribed");
            }
            if (s.getInitialCredits() < 0) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "initial credits must not be negative");
            }
            Ordering ordering = Convert.ordering(s.getOrdering()); // INVALID_CONFIG before anything is sent
            OnDeadLetter onDeadLetter = Convert.onDeadLetter(s.getOnDeadLetter());
            batches = s.getBatches();
            int partitions = broker.stationInfo(s.getTenant(), s.getStation()).partitions().size();
            synchronized (this) {
                // Subscribed goes out before any message: the group may deliver as soon as the member joins.
                out.onNext(ConsumeResponse.newBuilder().setSubscribed(Subscribed.newBuilder()
                        .setPartitions(partitions)).build());
            }
            // Not under the lock: joining waits for the group's owner thread, which may be delivering to us.
            member = broker.subscribe(s.getTenant(), s.getStation(), s.getGroup(),
                    Convert.start(s.getStart(), s.hasStart()), ordering, onDeadLetter, s.getMemberName(),
                    s.getInitialCredits(), this);
        }

        /**
         * A plain ack is handed to the group and forgotten. A sync ack blocks this (blocking-executor) thread until
         * the group has made it durable, then confirms it with its ack id; requests of one stream are handled in
         * order, so confirmations go out in the order of the sync acks.
         */
        private void ack(io.junction.api.v1.Ack ack) {
            GroupMember m = joined();
            if (!ack.getSync()) {
                m.ack(Convert.refs(ack.getMessagesList()));
                return;
            }
            m.ackSync(Convert.refs(ack.getMessagesList()));
            synchronized (this) {
                if (!finished) {
                    out.onNext(ConsumeResponse.newBuilder().setAckConfirmed(AckConfirmed.newBuilder()
                            .setAckId(ack.getAckId())).build());
                }
            }
        }

        private GroupMember joined() {
            GroupMember m = member;
            if (m == null) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "the first request of a stream must be Subscribe");
            }
            return m;
        }

        @Override
        public synchronized void deliver(Delivery delivery) {
            if (!finished) {
                out.onNext(ConsumeResponse.newBuilder().setMessage(Convert.delivered(delivery)).build());
            }
        }

        /** One response per about {@value #BATCH_BYTES} bytes of values: one frame, one event-loop task. */
        @Override
        public synchronized void deliver(java.util.List<Delivery> deliveries) {
            if (!batches) {
                deliveries.forEach(this::deliver); // an older client: one message per response
                return;
            }
            DeliveredBatch.Builder batch = DeliveredBatch.newBuilder();
            long bytes = 0;
            for (Delivery d : deliveries) {
                if (finished) {
                    return;
                }
                if (batch.getMessagesCount() > 0 && bytes + d.value().length > BATCH_BYTES) {
                    out.onNext(ConsumeResponse.newBuilder().setBatch(batch).build());
                    batch = DeliveredBatch.newBuilder();
                    bytes = 0;
                }
                batch.addMessages(Convert.delivered(d));
                bytes += d.value().length;
            }
            if (!finished && batch.getMessagesCount() > 0) {
                out.onNext(ConsumeResponse.newBuilder().setBatch(batch).build());
            }
        }

        @Override
        public void closed(BrokerException reason) {
            fail(reason);
        }

        private synchronized void fail(Throwable error) {
            if (finished) {
                return;
            }
            finished = true;
            out.onNext(ConsumeResponse.newBuilder().setError(Convert.error(error)).build());
            out.onCompleted();
            leave();
        }

        private void leave() {
            GroupMember m = member;
            if (m != null) {
                m.leave();
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (this) {
                finished = true;
            }
            leave();
        }

        @Override
        public void onCompleted() {
            synchronized (this) {
                if (!finished) {
                    finished = true;
                    out.onCompleted();
                }
            }
            leave();
        }
    }
}
