package org.trialfhir.ctgov;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A registry answer as text, read only up to a number of bytes: a larger one (declared or sent) is
 * dropped and fails with {@link TooLarge}, so a wrong or hostile registry cannot fill the server's
 * memory.
 */
final class LimitedBody implements HttpResponse.BodyHandler<String> {

  /** The answer is larger than allowed. */
  static final class TooLarge extends IOException {
    TooLarge(long limit) {
      super("the answer is larger than " + limit + " bytes");
    }
  }

  private final long limit;

  LimitedBody(long limit) {
    this.limit = limit;
  }

  @Override
  public HttpResponse.BodySubscriber<String> apply(HttpResponse.ResponseInfo info) {
    long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
    return new Subscriber(limit, declared > limit);
  }

  private static final class Subscriber implements HttpResponse.BodySubscriber<String> {
    private final long limit;
    private final boolean declaredTooLarge;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<String> body = new CompletableFuture<>();
    private Flow.Subscription subscription;

    Subscriber(long limit, boolean declaredTooLarge) {
      this.limit = limit;
      this.declaredTooLarge = declaredTooLarge;
    }

    @Override
    public CompletionStage<String> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      if (declaredTooLarge) {
        tooLarge();
      } else {
        subscription.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (body.isDone()) {
        return;
      }
      for (ByteBuffer buffer : buffers) {
        if (bytes.size() + (long) buffer.remaining() > limit) {
          tooLarge();
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
    }

    private void tooLarge() {
      subscription.cancel();
      body.completeExceptionally(new TooLarge(limit));
    }

    @Override
    public void onError(Throwable error) {
      body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      // The registry answers JSON in UTF-8.
      body.complete(bytes.toString(StandardCharsets.UTF_8));
    }
  }
}
