package dev.tracebridge.nats;

import dev.tracebridge.config.InFlightConfig;
import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.Reply;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.route.ErrorClass;
import dev.tracebridge.route.Failures;
import dev.tracebridge.route.Sink;
import io.nats.client.Connection;
import io.nats.client.JetStreamStatusException;
import io.nats.client.Message;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends each message as a core NATS request ({@code to.nats { request { timeout } }}) and completes with the
 * reply ({@link SendReceipt#reply}), payload and headers decoded with {@link NatsHeaderCodec}, so that Kafka
 * headers the service copies come back into Kafka exactly. Producing the reply into Kafka is the route's
 * business, on the route's thread: this sink only records the answer, on jnats's dispatcher thread.
 *
 * <p>The timeout is the sink's own ({@link CompletableFuture#orTimeout}): jnats ends an unanswered request only
 * when its cleanup task next runs (every 5 s), which could double a short timeout. "No responders" is reported
 * by the server at once (the connection asks for it with {@code reportNoResponders}).
 *
 * <p>{@link #classify}: a request nobody answered, for want of responders ({@link NoRespondersException}) or
 * within the timeout ({@link ReplyTimeoutException}), is UNKNOWN: retried up to {@code retry.max-attempts}, then
 * dead-lettered. It is not TRANSIENT, unlike JetStream's "no responders": a service that never answers this
 * message must not hold the route for ever. Everything else reads as for {@link NatsSink} ({@link NatsErrors}):
 * not connected, reconnecting or closing is TRANSIENT, an invalid subject or an oversize message MESSAGE, a
 * permissions violation FATAL.
 */
public final class NatsRequestSink implements Sink {

  private final NatsConnector connector;
  private final Duration timeout;
  private final Outstanding outstanding = new Outstanding();
  private volatile boolean closed;

  /** {@code inFlight} is the route's window: that many requests may be outstanding at once. */
  public NatsRequestSink(String connectionName, NatsClusterConfig cluster, InFlightConfig inFlight, Duration timeout) {
    this.connector = NatsConnector.forSink(connectionName, cluster, NatsConnector.outgoingQueueFor(inFlight.maxMessages()),
        Options.Builder::reportNoResponders);
    this.timeout = timeout;
  }

  @Override
  public void start() {
    connector.start(connection -> { });
  }

  @Override
  public boolean isConnected() {
    return connector.isConnected();
  }

  @Override
  public long reconnects() {
    return connector.reconnects();
  }

  @Override
  public CompletableFuture<SendReceipt> send(OutboundMessage m) {
    CompletableFuture<SendReceipt> result = new CompletableFuture<>();
    Connection connection = connector.connection().orElse(null);
    if (closed || connection == null) {
      result.completeExceptionally(
          new IllegalStateException(closed ? "NATS sink is closed" : "not connected to NATS yet"));
      return result;
    }
    outstanding.add(result);
    String subject = m.destination();
    try {
      if (connection.getStatus() != Connection.Status.CONNECTED) {
        // jnats would buffer it for the reconnect and let it time out; fail now, transiently
        throw new IllegalStateException("not connected to NATS (reconnecting)");
      }
      Headers headers = NatsHeaderCodec.encodeForPublish(m.headers(), NatsSink.MSG_ID_HEADER, m.messageId());
      byte[] payload = m.payload() == null ? new byte[0] : m.payload();
      connection.requestWithTimeout(subject, headers, payload, timeout)
          .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((reply, error) -> {
            if (error == null) {
              result.complete(SendReceipt.answered(subject, reply(reply)));
            } else {
              result.completeExceptionally(unanswered(subject, Failures.cause(error)));
            }
          });
    } catch (RuntimeException e) {
      // IllegalArgumentException: invalid subject, payload over max_payload; IllegalStateException: closed,
      // draining, reconnecting, output queue full
      result.completeExceptionally(e);
    }
    return result;
  }

  private static Reply reply(Message message) {
    byte[] data = message.getData();
    return new Reply(data == null ? new byte[0] : data,
        NatsHeaderCodec.decode(message.hasHeaders() ? message.getHeaders() : null));
  }

  /** The failure of one request, named for what it means to the message. */
  private Throwable unanswered(String subject, Throwable error) {
    if (error instanceof JetStreamStatusException status && status.getStatus() != null
        && status.getStatus().getCode() == 503) {
      return new NoRespondersException("no NATS service answers requests on " + subject + " (no responders)");
    }
    if (error instanceof TimeoutException
        || (error instanceof CancellationException && !closed && connector.isConnected())) {
      // jnats's own clean-up cancels a request it considers timed out; a close also cancels (transient)
      return new ReplyTimeoutException("no reply from " + subject + " within " + timeout.toMillis() + " ms");
    }
    return error;
  }

  @Override
  public ErrorClass classify(Throwable error) {
    Throwable cause = Failures.cause(error);
    if (cause instanceof NoReplyException) {
      return ErrorClass.UNKNOWN;
    }
    return NatsErrors.classify(cause);
  }

  /** Waits up to the timeout for every request to be answered or to fail. */
  @Override
  public void flush(Duration wait) {
    outstanding.await(wait);
  }

  /** Closes the connection; requests still unanswered fail (transiently: the route is stopping). */
  @Override
  public void close() {
    closed = true;
    connector.close();
    outstanding.failAll(new IllegalStateException("NATS sink closed before the reply"));
  }

  /** A request nobody answered: retried up to {@code retry.max-attempts}, then dead-lettered. */
  public abstract static class NoReplyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoReplyException(String message) {
      super(message, null, false, false);
    }
  }

  /** The server knew no subscriber for the request's subject. */
  public static final class NoRespondersException extends NoReplyException {
    private static final long serialVersionUID = 1L;

    NoRespondersException(String message) {
      super(message);
    }
  }

  /** No reply came within {@code to.nats.request.timeout}. */
  public static final class ReplyTimeoutException extends NoReplyException {
    private static final long serialVersionUID = 1L;

    ReplyTimeoutException(String message) {
      super(message);
    }
  }
}
