package dev.tracebridge.nats;

import dev.tracebridge.config.InFlightConfig;
import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.route.ErrorClass;
import dev.tracebridge.route.Sink;
import io.nats.client.Connection;
import io.nats.client.api.ServerInfo;
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
 * can get is a flush (a PING answered by the server) that happened after the publish, on the same
 * socket: the server has then received the message, and delivered it to whoever was subscribed.
 *
 * <p>Flushing per message would cost a round trip each, so a background flusher collects every
 * publish since its last flush, flushes once, and completes all of their futures with
 * {@link SendReceipt#nats}. While a flush is under way, new publishes gather for the next one, so the
 * batch grows by itself with the load. A failed or timed-out flush, or a closed connection, fails the
 * futures of its batch (the route then retries them: at least once).
 *
 * <p>A flush answers for its own socket only: what was written into an earlier one just before it died is
 * lost. The connector replaces the connection after a lost socket ({@link NatsConnector#forSink}), so that
 * publishes still queued in the dead one never go out ahead of the route's retries. Each publish records
 * the connection's epoch (the server's INFO object, replaced on every connect, and the reconnect count),
 * and a flush confirms only the publishes of the epoch it completed in; the others fail with a
 * {@link NatsErrors.ConnectionChangedException}, which the route retries (a duplicate at most, never a
 * loss). For the same reason a publish while the connection is down fails at once instead of going to
 * jnats's reconnect buffer. jnats's outgoing queue is sized above the route's window
 * ({@link NatsConnector#outgoingQueueFor}).
 *
 * <p>The server refuses a publish it does not permit with an asynchronous {@code -ERR} only, after which
 * the flush still succeeds: a publish followed by such an error for its subject fails with
 * {@link NatsErrors.PublishDeniedException} instead of being confirmed.
 *
 * <p>{@code Nats-Msg-Id} is set when the message has an id, for a JetStream stream that may capture
 * the subject. An invalid subject, an oversize message or a missing connection fail the future;
 * {@link #send} never throws.
 *
 * <p>{@link #classify} follows {@link NatsErrors}: not connected, reconnecting, a changed connection,
 * timeouts, "Output queue is full" and a sink closed while stopping are TRANSIENT; an invalid subject and
 * a payload over {@code max_payload} ({@link IllegalArgumentException}) are MESSAGE; a permissions or
 * authorization violation is FATAL; anything else UNKNOWN.
 */
public final class NatsSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(NatsSink.class);
  static final String MSG_ID_HEADER = "Nats-Msg-Id";
  static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(5);

  private final NatsConnector connector;
  private final LinkedBlockingQueue<Pending> unflushed = new LinkedBlockingQueue<>();
  private final Outstanding outstanding = new Outstanding();
  private final Thread flusher;
  /** Only on a sink of answers to NATS requesters: learns of those who have gone. Null otherwise. */
  private final NoRespondersInbox inbox;
  private volatile boolean closed;

  /** {@code inFlight} is the route's window, which jnats's outgoing queue must exceed. */
  public NatsSink(String connectionName, NatsClusterConfig cluster, InFlightConfig inFlight) {
    this(connectionName, cluster, inFlight, null);
  }

  /**
   * A sink of answers to NATS requesters: each publish carries a reply subject of {@code inbox}, which then
   * hears of answers that found no subscriber. Connected only once the inbox is subscribed.
   */
  public static NatsSink forAnswers(String connectionName, NatsClusterConfig cluster, InFlightConfig inFlight,
      NoRespondersInbox inbox) {
    return new NatsSink(connectionName, cluster, inFlight, inbox);
  }

  private NatsSink(String connectionName, NatsClusterConfig cluster, InFlightConfig inFlight, NoRespondersInbox inbox) {
    this.inbox = inbox;
    this.connector = NatsConnector.forSink(connectionName, cluster, NatsConnector.outgoingQueueFor(inFlight.maxMessages()));
    this.flusher = new Thread(this::flushLoop, "nats-flusher-" + connectionName);
    flusher.setDaemon(true);
  }

  @Override
  public void start() {
    connector.start(connection -> {
      if (inbox != null) {
        inbox.subscribe(connection);
      }
    });
    flusher.start();
  }

  @Override
  public boolean isConnected() {
    return connector.isConnected() && (inbox == null || inbox.isSubscribed());
  }

  @Override
  public long reconnects() {
    return connector.reconnects();
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
      Headers headers = NatsHeaderCodec.encodeForPublish(m.headers(), MSG_ID_HEADER, m.messageId());
      byte[] payload = m.payload() == null ? new byte[0] : m.payload();
      // publish and enqueue together, so that the queue's order is the publish order the flusher relies on
      synchronized (unflushed) {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
          throw new IllegalStateException("not connected to NATS (reconnecting)");
        }
        // read before the publish: a message queued after a reconnect must not carry the old epoch
        Epoch epoch = Epoch.of(connection);
        long errors = connection.getStatistics().getErrs();
        connection.publish(m.destination(), inbox == null ? null : inbox.replyTo(m.destination()), headers, payload);
        unflushed.add(new Pending(m.destination(), epoch, errors, future));
      }
    } catch (RuntimeException e) {
      // IllegalArgumentException: invalid subject, payload over max_payload; IllegalStateException: closed,
      // reconnecting, output queue full
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
      Epoch now = Epoch.of(connection);
      long errors = connection.getStatistics().getErrs();
      int changed = 0;
      for (Pending p : batch) {
        if (!p.epoch.equals(now)) {
          changed++;
          p.future.completeExceptionally(new NatsErrors.ConnectionChangedException(
              "the NATS connection was replaced before the publish to " + p.subject + " was flushed"));
        } else if (errors != p.errors && NatsErrors.publishDenied(connection, p.subject)) {
          p.future.completeExceptionally(new NatsErrors.PublishDeniedException(p.subject));
        } else {
          p.future.complete(SendReceipt.nats(p.subject));
        }
      }
      if (changed > 0) {
        LOG.debug("NATS reconnected before {} publishes were flushed; they are sent again", changed);
      }
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
    flusher.interrupt();
    try {
      flusher.join(FLUSH_TIMEOUT.toMillis() + 1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connector.close();
  }

  private record Pending(String subject, Epoch epoch, long errors, CompletableFuture<SendReceipt> future) {
  }

  /**
   * One socket of a jnats connection. jnats parses a new {@link ServerInfo} on every connect (compared by
   * identity: a restarted server may send an equal one) and counts reconnects after each; either changing
   * means another socket. A new INFO the server pushes on the same socket (cluster changes) also counts,
   * which costs a resend at most.
   */
  private record Epoch(ServerInfo info, long reconnects) {
    static Epoch of(Connection connection) {
      return new Epoch(connection.getServerInfo(), connection.getStatistics().getReconnects());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Epoch e && e.info == info && e.reconnects == reconnects;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(info) * 31 + Long.hashCode(reconnects);
    }
  }
}
