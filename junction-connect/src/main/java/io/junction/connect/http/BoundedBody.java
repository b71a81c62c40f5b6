package io.junction.connect.http;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read with bounded memory: the first {@value #KEPT} bytes are kept (as text, for a dead letter's
 * reason or the last error), the rest is read and dropped, and after {@value #MAX_READ} bytes the response is
 * abandoned (the connection is closed rather than drained further). A receiver can never make the sink buffer more.
 * One instance per response; the HTTP client calls it one signal at a time.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<String> {

    static final int KEPT = 1024;
    static final long MAX_READ = 64 * 1024;

    static final HttpResponse.BodyHandler<String> HANDLER = info -> new BoundedBody();

    private final CompletableFuture<String> body = new CompletableFuture<>();
    private final byte[] kept = new byte[KEPT];
    private int keptLength;
    private long read;
    private Flow.Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        for (ByteBuffer b : buffers) {
            int n = b.remaining();
            int keep = Math.min(n, KEPT - keptLength);
            b.get(kept, keptLength, keep);
            keptLength += keep;
            read += n;
        }
        if (read >= MAX_READ) {
            subscription.cancel();
            complete();
        } else {
            subscription.request(1);
        }
    }

    @Override
    public void onError(Throwable error) {
        body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        complete();
    }

    private void complete() {
        body.complete(new String(kept, 0, keptLength, StandardCharsets.UTF_8)); // malformed ends → U+FFFD
    }

    @Override
    public CompletionStage<String> getBody() {
        return body;
    }
}
