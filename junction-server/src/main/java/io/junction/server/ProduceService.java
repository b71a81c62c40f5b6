package io.junction.server;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.junction.api.v1.Errors;
import io.junction.api.v1.ProduceGrpc;
import io.junction.api.v1.ProduceRequest;
import io.junction.api.v1.ProduceResponse;
import io.junction.api.v1.Receipt;
import io.junction.broker.Broker;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;

/**
 * {@code junction.v1.Produce}: a stream of batches. Requests are handed to the broker as they arrive (so many
 * batches are in flight and share group commits); responses go back in request order, each once its batch is
 * durable. A refused batch gets a response with its error and the stream goes on.
 *
 * <p>Flow control: a stream has at most {@value #MAX_IN_FLIGHT_REQUESTS} requests and about
 * {@value #MAX_IN_FLIGHT_BYTES} bytes in flight (received, not yet answered); past that the server reads no more
 * of it until answers free room, so HTTP/2 flow control holds the client back, however fast it sends.
 */
final class ProduceService extends ProduceGrpc.ProduceImplBase {

    static final int MAX_IN_FLIGHT_REQUESTS = 1024;
    static final long MAX_IN_FLIGHT_BYTES = 64L << 20;

    private final Broker broker;
    /** Open streams, so a stopping server can end them instead of waiting for clients to hang up. */
    private final Set<StreamObserver<ProduceResponse>> open = ConcurrentHashMap.newKeySet();

    ProduceService(Broker broker) {
        this.broker = broker;
    }

    /** Ends every open stream with SHUTTING_DOWN (retriable: clients reconnect and resend). */
    void shutdown() {
        for (StreamObserver<ProduceResponse> out : open) {
            synchronized (out) {
                if (open.remove(out)) {
                    out.onError(Errors.toStatus(io.junction.api.v1.ErrorCode.SHUTTING_DOWN,
                            "the broker is shutting down"));
                }
            }
        }
    }

    @Override
    public StreamObserver<ProduceRequest> produce(StreamObserver<ProduceResponse> out) {
        open.add(out);
        ServerCallStreamObserver<ProduceResponse> call = (ServerCallStreamObserver<ProduceResponse>) out;
        call.disableAutoRequest();
        call.request(1);
        return new StreamObserver<>() {
            /** Completes after the previous response was sent: keeps responses in order and onNext serial. */
            private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
            // Guarded by this: requests received and not yet answered, their bytes, and whether one more is owed.
            private int inFlight;
            private long inFlightBytes;
            private boolean owed;

            /** Asks the transport for the next request when there is room, else owes it. */
            private synchronized void requestNextIfRoom() {
                if (inFlight < MAX_IN_FLIGHT_REQUESTS && inFlightBytes < MAX_IN_FLIGHT_BYTES) {
                    owed = false;
                    call.request(1);
                } else {
                    owed = true;
                }
            }

            private void answered(long bytes) {
                synchronized (this) {
                    inFlight--;
                    inFlightBytes -= bytes;
                    if (!owed) {
                        return;
                    }
                }
                requestNextIfRoom();
            }

            @Override
            public void onNext(ProduceRequest request) {
                long bytes = request.getSerializedSize();
                synchronized (this) {
                    inFlight++;
                    inFlightBytes += bytes;
                }
                CompletableFuture<List<io.junction.broker.Receipt>> stored;
                try {
                    stored = request.getProducerId() == 0
                            ? broker.produce(request.getTenant(), request.getStation(), Convert.messages(request))
                            : broker.produce(request.getTenant(), request.getStation(), Convert.messages(request),
                                    request.getProducerId(), request.getSequence());
                } catch (RuntimeException e) {
                    stored = CompletableFuture.failedFuture(e);
                }
                CompletableFuture<List<io.junction.broker.Receipt>> result = stored;
                synchronized (this) {
                    tail = tail.thenCompose(ignored -> result.handle((receipts, error) -> {
                        ProduceResponse.Builder response = ProduceResponse.newBuilder()
                                .setRequestId(request.getRequestId());
                        if (error != null) {
                            response.setError(Convert.error(error));
                            Convert.rejected(error).forEach((index, reason) -> response.addRejected(
                                    io.junction.api.v1.Rejected.newBuilder().setIndex(index).setReason(reason)));
                        } else {
                            for (io.junction.broker.Receipt r : receipts) {
                                response.addReceipts(Receipt.newBuilder().setPartition(r.partition())
                                        .setOffset(r.offset()).setDuplicate(r.duplicate()));
                            }
                        }
                        synchronized (out) {
                            if (open.contains(out)) {
                                out.onNext(response.build());
                            }
                        }
                        answered(bytes);
                        return null;
                    }));
                }
                requestNextIfRoom(); // last: a transport that delivers the next request at once keeps the order
            }

            @Override
            public void onError(Throwable t) {
                // The client went away: what it sent is stored or refused as usual; nobody is left to tell.
                open.remove(out);
            }

            @Override
            public void onCompleted() {
                CompletableFuture<Void> last;
                synchronized (this) {
                    last = tail;
                }
                last.whenComplete((ignored, error) -> {
                    synchronized (out) {
                        if (open.remove(out)) {
                            out.onCompleted();
                        }
                    }
                });
            }
        };
    }
}
