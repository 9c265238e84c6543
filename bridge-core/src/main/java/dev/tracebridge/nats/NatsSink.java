package dev.tracebridge.nats;

import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.route.ErrorClass;
import dev.tracebridge.route.Sink;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes to core NATS. Core NATS has no per-message acknowledgement; the confirmation the bridge
 * can get is a flush (a PING answered by the server) that happened after the publish: the server has
 * then received the message, and delivered it to whoever was subscribed.
 *
 * <p>Flushing per message would cost a round trip each, so a background flusher collects every
 * publish since its last flush, flushes once, and completes all of their futures with
 * {@link SendReceipt#nats}. While a flush is under way, new publishes gather for the next one, so the
 * batch grows by itself with the load. A failed or timed-out flush, or a closed connection, fails the
 * futures of its batch (the route then retries them: at least once).
 *
 * <p>{@code Nats-Msg-Id} is set when the message has an id, for a JetStream stream that may capture
 * the subject. An invalid subject, an oversize message or a missing connection fail the future;
 * {@link #send} never throws.
 */
public final class NatsSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(NatsSink.class);
  static final String MSG_ID_HEADER = "Nats-Msg-Id";
  static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(5);

  private final NatsConnector connector;
  private final LinkedBlockingQueue<Pending> unflushed = new LinkedBlockingQueue<>();
  private final Outstanding outstanding = new Outstanding();
  private final Thread flusher;
  private volatile boolean closed;

  public NatsSink(String connectionName, NatsClusterConfig cluster) {
    this.connector = new NatsConnector(connectionName, cluster);
    this.flusher = new Thread(this::flushLoop, "nats-flusher-" + connectionName);
    flusher.setDaemon(true);
  }

  @Override
  public void start() {
    connector.start(connection -> { });
    flusher.start();
  }

  @Override
  public boolean isConnected() {
    return connector.isConnected();
  }

  @Override
  public CompletableFuture<SendReceipt> send(OutboundMessage m) {
    CompletableFuture<SendReceipt> future = new CompletableFuture<>();
    Connection connection = connector.connection().orElse(null);
    if (closed || connection == null) {
      future.completeExceptionally(new IllegalStateException(
          closed ? "NATS sink is closed" : "not connected to NATS yet"));
      return future;
    }
    outstanding.add(future);
    try {
      Headers headers = NatsHeaderCodec.encode(m.headers());
      if (m.messageId() != null) {
        headers.put(MSG_ID_HEADER, m.messageId());
      }
      byte[] payload = m.payload() == null ? new byte[0] : m.payload();
      // publish and enqueue together, so that the queue's order is the publish order the flusher relies on
      synchronized (unflushed) {
        connection.publish(m.destination(), headers, payload);
        unflushed.add(new Pending(m.destination(), future));
      }
    } catch (RuntimeException e) {
      // IllegalArgumentException: invalid subject, payload over max_payload; IllegalStateException: closed
      future.completeExceptionally(e);
    }
    return future;
  }

  private void flushLoop() {
    List<Pending> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(unflushed.take());
      } catch (InterruptedException e) {
        break;
      }
      unflushed.drainTo(batch);
      flush(batch);
      batch.clear();
    }
    // closing: nothing will confirm what is left
    unflushed.drainTo(batch);
    batch.forEach(p -> p.future.completeExceptionally(new IllegalStateException("NATS sink closed before flush")));
  }

  private void flush(List<Pending> batch) {
    Connection connection = connector.connection().orElseThrow();
    try {
      connection.flush(FLUSH_TIMEOUT);
      batch.forEach(p -> p.future.complete(SendReceipt.nats(p.subject)));
    } catch (TimeoutException | RuntimeException e) {
      LOG.debug("NATS flush failed for {} messages: {}", batch.size(), NatsConnector.describe(e));
      Exception failure = e instanceof TimeoutException
          ? new TimeoutException("NATS flush not answered within " + FLUSH_TIMEOUT.toMillis() + " ms")
          : e;
      batch.forEach(p -> p.future.completeExceptionally(failure));
    } catch (InterruptedException e) {
      batch.forEach(p -> p.future.completeExceptionally(new IllegalStateException("NATS sink closed during flush")));
      Thread.currentThread().interrupt();
    }
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
    flusher.interrupt();
    try {
      flusher.join(FLUSH_TIMEOUT.toMillis() + 1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connector.close();
  }

  private record Pending(String subject, CompletableFuture<SendReceipt> future) {
  }
}
