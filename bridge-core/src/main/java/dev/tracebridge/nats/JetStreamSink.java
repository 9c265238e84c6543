package dev.tracebridge.nats;

import dev.tracebridge.config.InFlightConfig;
import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.route.ErrorClass;
import dev.tracebridge.route.Failures;
import dev.tracebridge.route.Sink;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.JetStream;
import io.nats.client.impl.Headers;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes to JetStream asynchronously: each send is one {@code publishAsync}, in call order on one
 * connection, and its future completes with the stream's publish ack ({@link SendReceipt#jetStream},
 * with the stream sequence and whether the stream recognised the {@code Nats-Msg-Id} as a duplicate).
 * An error ack (no stream for the subject, limits...), a timeout, or a closed connection fail it;
 * {@link #send} never throws. jnats's outgoing queue is sized above the route's window
 * ({@link NatsConnector#outgoingQueueFor}).
 *
 * <p>Failures reach the future unwrapped (jnats wraps them in {@code CompletionException} and
 * {@code RuntimeException}), so that spans and logs name the real error. A publish the server does not
 * permit gets no reply, only an asynchronous {@code -ERR}: a timeout after such an error for the subject
 * becomes a {@link NatsErrors.PublishDeniedException}.
 *
 * <p>{@link #classify} follows {@link NatsErrors}:
 * <ul>
 *   <li>TRANSIENT: no responders (503: no stream captures the subject yet, or it is electing a leader),
 *       timeouts and requests cancelled by a disconnect, {@code IOException}, not connected or
 *       reconnecting, "Output queue is full", a full stream (10077), a sink closed while stopping;</li>
 *   <li>MESSAGE: a message or header over the stream's maximum (10054, 10097), a failed expectation or
 *       invalid TTL (10070, 10071, 10164, 10165, 10166), an invalid subject or a payload over
 *       {@code max_payload} ({@code IllegalArgumentException});</li>
 *   <li>FATAL: permissions and authorization violations;</li>
 *   <li>UNKNOWN: anything else, including other JetStream API errors.</li>
 * </ul>
 */
public final class JetStreamSink implements Sink {

  private final NatsConnector connector;
  private final Outstanding outstanding = new Outstanding();
  private volatile JetStream jetStream;
  private volatile boolean closed;

  /** {@code inFlight} is the route's window, which jnats's outgoing queue must exceed. */
  public JetStreamSink(String connectionName, NatsClusterConfig cluster, InFlightConfig inFlight) {
    this.connector = NatsConnector.forSink(connectionName, cluster, NatsConnector.outgoingQueueFor(inFlight.maxMessages()));
    // A publish whose ack was pending when the connection dropped may or may not be stored; its ack will
    // never come on the new connection. Failing it at once (transient) lets the route retry it in place
    // before any later message of its lane is sent on the new connection; Nats-Msg-Id deduplicates it if
    // it had been stored. Waiting for jnats's ack timeout instead would let later messages overtake it.
    connector.addListener((connection, event) -> {
      if (event == ConnectionListener.Events.DISCONNECTED) {
        outstanding.failAll(new NatsErrors.ConnectionChangedException(
            "the NATS connection was lost before JetStream acknowledged the publish"));
      }
    });
  }

  @Override
  public void start() {
    connector.start(this::bind);
  }

  private void bind(Connection connection) {
    try {
      jetStream = connection.jetStream();
    } catch (IOException e) {
      // jetStream() only builds a context locally; it does not talk to the server
      throw new IllegalStateException("cannot create a JetStream context", e);
    }
  }

  @Override
  public boolean isConnected() {
    return jetStream != null && connector.isConnected();
  }

  @Override
  public long reconnects() {
    return connector.reconnects();
  }

  @Override
  public CompletableFuture<SendReceipt> send(OutboundMessage m) {
    JetStream js = jetStream;
    Connection connection = connector.connection().orElse(null);
    if (closed || js == null || connection == null) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          closed ? "JetStream sink is closed" : "not connected to NATS yet"));
    }
    CompletableFuture<SendReceipt> receipt = new CompletableFuture<>();
    outstanding.add(receipt);
    try {
      if (connection.getStatus() != Connection.Status.CONNECTED) {
        // not into jnats's reconnect buffer: it would go out after later messages retried in place
        throw new IllegalStateException("not connected to NATS (reconnecting)");
      }
      byte[] payload = m.payload() == null ? new byte[0] : m.payload();
      // the message id goes in as the Nats-Msg-Id header that PublishOptions.messageId would write; with no
      // options jnats publishes the encoded headers as they are (with options it would copy them into a new map)
      Headers headers = NatsHeaderCodec.encodeForPublish(m.headers(), NatsSink.MSG_ID_HEADER, m.messageId());
      js.publishAsync(m.destination(), headers, payload)
          .whenComplete((ack, error) -> {
            if (error == null) {
              receipt.complete(SendReceipt.jetStream(m.destination(), ack.getSeqno(), m.messageId(), ack.isDuplicate()));
            } else {
              Throwable cause = unwrap(error);
              if (NatsErrors.classify(cause) == ErrorClass.TRANSIENT && NatsErrors.publishDenied(connection, m.destination())) {
                cause = new NatsErrors.PublishDeniedException(m.destination());
              }
              receipt.completeExceptionally(cause);
            }
          });
    } catch (RuntimeException e) {
      // IllegalArgumentException: invalid subject, payload over max_payload; IllegalStateException: closed,
      // output queue full
      receipt.completeExceptionally(e);
    }
    return receipt;
  }

  /** Removes jnats's and CompletableFuture's wrappers: {@code CompletionException}, bare {@code RuntimeException}. */
  private static Throwable unwrap(Throwable error) {
    // jnats also wraps in a bare RuntimeException
    Throwable e = Failures.cause(error);
    while (e.getClass() == RuntimeException.class && e.getCause() != null) {
      e = Failures.cause(e.getCause());
    }
    return e;
  }

  @Override
  public ErrorClass classify(Throwable error) {
    return NatsErrors.classify(error);
  }

  @Override
  public void flush(Duration timeout) {
    outstanding.await(timeout);
  }

  @Override
  public void close() {
    closed = true;
    connector.close();
  }
}
