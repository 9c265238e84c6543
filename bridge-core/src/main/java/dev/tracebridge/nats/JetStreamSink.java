package dev.tracebridge.nats;

import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.route.ErrorClass;
import dev.tracebridge.route.Sink;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes to JetStream asynchronously: each send is one {@code publishAsync}, in call order on one
 * connection, and its future completes with the stream's publish ack ({@link SendReceipt#jetStream},
 * with the stream sequence and whether the stream recognised the {@code Nats-Msg-Id} as a duplicate).
 * An error ack (no stream for the subject, limits...), a timeout, or a closed connection fail it;
 * {@link #send} never throws.
 */
public final class JetStreamSink implements Sink {

  private final NatsConnector connector;
  private final Outstanding outstanding = new Outstanding();
  private volatile JetStream jetStream;
  private volatile boolean closed;

  public JetStreamSink(String connectionName, NatsClusterConfig cluster) {
    this.connector = new NatsConnector(connectionName, cluster);
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
  public CompletableFuture<SendReceipt> send(OutboundMessage m) {
    JetStream js = jetStream;
    if (closed || js == null) {
      return CompletableFuture.failedFuture(new IllegalStateException(
          closed ? "JetStream sink is closed" : "not connected to NATS yet"));
    }
    CompletableFuture<SendReceipt> receipt;
    try {
      PublishOptions.Builder options = PublishOptions.builder();
      if (m.messageId() != null) {
        options.messageId(m.messageId());
      }
      byte[] payload = m.payload() == null ? new byte[0] : m.payload();
      receipt = js.publishAsync(m.destination(), NatsHeaderCodec.encode(m.headers()), payload, options.build())
          .thenApply(ack -> SendReceipt.jetStream(m.destination(), ack.getSeqno(), m.messageId(), ack.isDuplicate()));
    } catch (RuntimeException e) {
      // IllegalArgumentException: invalid subject, payload over max_payload; IllegalStateException: closed
      receipt = CompletableFuture.failedFuture(e);
    }
    outstanding.add(receipt);
    return receipt;
  }

  /** Placeholder until this endpoint's own classification lands: every failure is retried, then dead-lettered. */
  @Override
  public ErrorClass classify(Throwable error) {
    return ErrorClass.UNKNOWN;
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
