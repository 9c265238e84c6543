package dev.tracebridge.nats;

import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.logging.MessageLogContext;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.route.Acknowledgement;
import dev.tracebridge.route.Backoff;
import dev.tracebridge.route.MessageHandler;
import dev.tracebridge.route.ReceivedMessage;
import dev.tracebridge.route.Source;
import io.nats.client.ConnectionListener;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.impl.NatsJetStreamMetaData;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable JetStream pull consumer (explicit acks, deliver all, {@code MaxAckPending} from the route's
 * in-flight window, AckWait 30 s), created or updated on start, consumed in batches on its own thread.
 * Several bridges with the same durable share the stream's messages. The lane is the subject.
 *
 * <p>The consuming thread fetches a batch of up to {@value #MAX_BATCH} messages only while the route
 * {@linkplain MessageHandler#hasRoom has room}, and hands each over as it arrives; with no room it stops
 * pulling and asks again shortly. A batch costs one round trip, never one per message.
 *
 * <p>Messages the route holds stay alive: the consuming thread sends {@code inProgress} for every handed
 * out, unsettled message about every half AckWait, so that the server does not redeliver what the
 * bridge still works on (a Kafka send may take minutes in an outage). The fetch expires after a quarter
 * of AckWait (1 to 2 s), so the thread comes back often enough even when the stream is idle.
 *
 * <p>{@code ack()} acks the message; {@code abandon()} naks it, so that it is redelivered at once. Both
 * only queue a small publish on the connection; {@link #close} flushes the connection before closing
 * it, so that acks queued at the end still leave.
 *
 * <p>While the server is unreachable or the stream does not exist, the source retries with backoff,
 * reports itself not connected, and logs the reason once per change. After every reconnect it
 * recreates its consumer context: pull requests do not survive a server restart.
 */
public final class JetStreamSource implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(JetStreamSource.class);
  static final int MAX_BATCH = 256;
  static final Duration DEFAULT_ACK_WAIT = Duration.ofSeconds(30);
  private static final long NO_ROOM_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  /** How often the consuming thread asks the server for the consumer's pending count when nothing arrives. */
  private static final long PENDING_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final String routeName;
  private final SourceConfig.JetStream config;
  private final int maxAckPending;
  private final Duration ackWait;
  private final NatsConnector connector;
  private volatile boolean consuming;
  private volatile boolean stopped;
  /** Set by a reconnect, read by the consuming thread: rebuild the pull subscription. */
  private volatile boolean resubscribe;
  private volatile Thread consumeThread;
  /** Handed out and maybe not settled yet; consuming thread only. */
  private final Deque<Held> held = new ArrayDeque<>();
  private final long fetchExpiresMillis;
  private final long sweepNanos;
  private long lastSweepNanos;
  /**
   * The consumer's pending count (messages of the stream not yet delivered to it): from each delivered
   * message's metadata, which carries it for free, and from the consumer info every few seconds, so that
   * it also moves while nothing is delivered (the route has no room). -1 until known. Written by the
   * consuming thread only.
   */
  private volatile long pending = -1;
  private long lastPendingRefreshNanos;
  private String lastProblem;

  public JetStreamSource(String routeName, SourceConfig.JetStream config, NatsClusterConfig cluster, int maxAckPending) {
    this(routeName, config, cluster, maxAckPending, DEFAULT_ACK_WAIT);
  }

  /** With another AckWait: tests use a short one to see unacknowledged messages come back. */
  JetStreamSource(String routeName, SourceConfig.JetStream config, NatsClusterConfig cluster, int maxAckPending,
                  Duration ackWait) {
    if (maxAckPending < 1) {
      throw new IllegalArgumentException("maxAckPending must be positive: " + maxAckPending);
    }
    this.routeName = routeName;
    this.config = config;
    this.maxAckPending = maxAckPending;
    this.ackWait = ackWait;
    this.fetchExpiresMillis = Math.max(1_000, Math.min(ackWait.toMillis() / 4, 2_000));
    this.sweepNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(ackWait.toNanos() / 8,
        TimeUnit.SECONDS.toNanos(1)));
    this.connector = new NatsConnector("bridge-" + routeName + "-source", cluster);
    this.lastPendingRefreshNanos = System.nanoTime() - PENDING_REFRESH_NANOS; // the first loop asks at once
    connector.addListener((connection, event) -> {
      if (event == ConnectionListener.Events.RECONNECTED) {
        resubscribe = true;
      }
    });
  }

  @Override
  public void start(MessageHandler handler) {
    connector.start(connection -> {
      Thread t = new Thread(MessageLogContext.forRoute(routeName, () -> consumeLoop(handler)),
          "jetstream-" + routeName);
      t.setDaemon(true);
      consumeThread = t;
      if (!stopped) {
        t.start();
      }
    });
  }

  @Override
  public boolean isConnected() {
    return consuming && connector.isConnected();
  }

  @Override
  public long reconnects() {
    return connector.reconnects();
  }

  private void consumeLoop(MessageHandler handler) {
    Backoff.Attempts backoff = Backoff.RECONNECT.attempts();
    while (!stopped) {
      try {
        ConsumerContext consumer = connector.connection().orElseThrow()
            .getStreamContext(config.stream())
            .createOrUpdateConsumer(consumerConfiguration());
        resubscribe = false;
        consuming = true;
        reportRecovered();
        backoff.reset();
        consume(consumer, handler);
      } catch (InterruptedException e) {
        break;
      } catch (Exception e) {
        // IOException (timeout while the server is away), JetStreamApiException (stream missing, bad
        // consumer config), JetStreamStatusCheckedException (consumer deleted), IllegalStateException (closed)
        consuming = false;
        reportProblem(e);
        try {
          sleepKeepingAlive(backoff.next());
        } catch (InterruptedException interrupted) {
          break;
        }
      }
    }
    consuming = false;
  }

  /**
   * Fetches batches while the route has room, until stopped or a reconnect asks for a new context.
   *
   * <p>One pull subscription serves every batch. A fetch ends on the client's clock, its pull request on
   * the server's, which started later by the time the request took to arrive: a message the server sends
   * in between belongs to an ended fetch. A subscription per fetch (jnats's {@code FetchConsumer}) was
   * already gone then and the message came back only after AckWait; here it waits in the subscription and
   * the next batch hands it over first. While the route has no room, what arrives there is handed over all
   * the same (at most one batch beyond the window): left in the subscription, nothing would keep it alive,
   * and after AckWait the server would send it again behind later messages, out of order.
   */
  private void consume(ConsumerContext consumer, MessageHandler handler) throws Exception {
    JetStreamSubscription subscription = connector.connection().orElseThrow().jetStream()
        .subscribe(null, PullSubscribeOptions.fastBind(config.stream(), config.durable()));
    try {
      while (!stopped && !resubscribe) {
        keepAlive();
        refreshPending(consumer);
        if (!handler.hasRoom()) {
          handOverBuffered(subscription, handler);
          LockSupport.parkNanos(NO_ROOM_PAUSE_NANOS);
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          continue;
        }
        Iterator<Message> batch = subscription.iterate(batchSize(), fetchExpiresMillis);
        while (batch.hasNext()) {
          Message message = batch.next();
          if (stopped) {
            nakQuietly(message); // fetched but not handed over: back to the stream now, not after AckWait
          } else {
            deliver(message, handler);
            keepAlive();
          }
        }
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
    } finally {
      giveBackBuffered(subscription);
    }
  }

  /** Hands over what a pull delivered after its batch ended, without waiting for more. */
  private void handOverBuffered(JetStreamSubscription subscription, MessageHandler handler)
      throws InterruptedException {
    Message message;
    while (!stopped && (message = subscription.nextMessage((Duration) null)) != null) { // null: only what is there
      deliver(message, handler);
    }
  }

  /** Naks what arrived after the last batch (the server redelivers it at once), then unsubscribes. */
  private static void giveBackBuffered(JetStreamSubscription subscription) {
    try {
      Message message;
      while ((message = subscription.nextMessage((Duration) null)) != null) { // null: only what is there
        nakQuietly(message);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.debug("giving back buffered messages failed: {}", NatsConnector.describe(e));
    }
    try {
      subscription.unsubscribe();
    } catch (RuntimeException e) {
      // the connection is closed or gone: the subscription went with it
    }
  }

  /**
   * Sends {@code inProgress} for every held message last touched half an AckWait ago, and forgets the
   * settled ones. Runs on the consuming thread, at most every {@link #sweepNanos}.
   */
  private void keepAlive() {
    long now = System.nanoTime();
    if (now - lastSweepNanos < sweepNanos) {
      return;
    }
    lastSweepNanos = now;
    long refreshNanos = ackWait.toNanos() / 2;
    Iterator<Held> it = held.iterator();
    while (it.hasNext()) {
      Held h = it.next();
      if (h.settled) {
        it.remove();
      } else if (now - h.touchedNanos >= refreshNanos) {
        try {
          h.message.inProgress();
          h.touchedNanos = now;
        } catch (RuntimeException e) {
          // the connection is away: the next sweep tries again, and the server redelivers at worst
          LOG.debug("inProgress failed: {}", NatsConnector.describe(e));
        }
      }
    }
  }

  /** Asks the server for the consumer's pending count, at most every {@link #PENDING_REFRESH_NANOS}. */
  private void refreshPending(ConsumerContext consumer) {
    long now = System.nanoTime();
    if (now - lastPendingRefreshNanos < PENDING_REFRESH_NANOS) {
      return;
    }
    lastPendingRefreshNanos = now;
    try {
      pending = consumer.getConsumerInfo().getNumPending();
    } catch (Exception e) {
      // the fetch that follows meets the same problem and reports it; the gauge keeps its last value
      LOG.debug("JetStream consumer info failed: {}", NatsConnector.describe(e));
    }
  }

  /** The consumer's pending count under the partition {@code ""}; empty until first known. */
  @Override
  public Map<String, Long> lag() {
    long p = pending;
    return p < 0 ? Map.of() : Map.of("", p);
  }

  private void sleepKeepingAlive(Duration delay) throws InterruptedException {
    long end = System.nanoTime() + delay.toNanos();
    long left;
    while (!stopped && (left = end - System.nanoTime()) > 0) {
      keepAlive();
      LockSupport.parkNanos(Math.min(left, sweepNanos));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  private void deliver(Message message, MessageHandler handler) {
    NatsJetStreamMetaData meta = message.metaData();
    pending = meta.pendingCount();
    BridgeMessage bridgeMessage = new BridgeMessage(message.getData(), null,
        NatsHeaderCodec.decode(message.getHeaders()),
        new SourcePosition.JetStream(message.getSubject(), meta.getStream(), meta.streamSequence(),
            meta.deliveredCount(), meta.timestamp().toInstant().toEpochMilli()));
    Held h = new Held(message, System.nanoTime());
    held.add(h);
    handler.onMessage(ReceivedMessage.of(bridgeMessage, message.getSubject(), h));
  }

  private ConsumerConfiguration consumerConfiguration() {
    ConsumerConfiguration.Builder b = ConsumerConfiguration.builder()
        .durable(config.durable())
        .ackPolicy(AckPolicy.Explicit)
        .deliverPolicy(DeliverPolicy.All)
        .maxAckPending(maxAckPending)
        .ackWait(ackWait);
    config.subject().ifPresent(b::filterSubject);
    return b.build();
  }

  private int batchSize() {
    return Math.min(MAX_BATCH, maxAckPending);
  }

  private void reportProblem(Exception e) {
    String problem = NatsConnector.describe(e);
    if (!problem.equals(lastProblem)) {
      LOG.warn("Route {}: cannot consume JetStream stream {} with durable {} ({}); retrying with backoff",
          routeName, config.stream(), config.durable(), problem);
      lastProblem = problem;
    }
  }

  private void reportRecovered() {
    if (lastProblem != null) {
      LOG.info("Route {}: consuming JetStream stream {} with durable {} again", routeName, config.stream(),
          config.durable());
    } else {
      LOG.info("Route {}: consuming JetStream stream {} with durable {}", routeName, config.stream(), config.durable());
    }
    lastProblem = null;
  }

  private static void nakQuietly(Message message) {
    try {
      message.nak();
    } catch (RuntimeException e) {
      // the connection is gone; the server redelivers after AckWait anyway
      LOG.debug("nak failed: {}", NatsConnector.describe(e));
    }
  }

  /** Stops pulling; the consuming thread naks what it fetched and has not handed over. */
  @Override
  public void stop() {
    stopped = true;
  }

  @Override
  public void close() {
    stop();
    Thread t = consumeThread;
    if (t != null) {
      try {
        t.join(fetchExpiresMillis + 1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // flushes before closing, so that the acks the route queued last reach the server
    connector.close();
  }

  /**
   * A handed-out message and the way to settle it. Acks and naks only queue a publish on the connection
   * (jnats makes that thread-safe); the consuming thread reads {@code settled} to stop keeping it alive.
   */
  private static final class Held implements Acknowledgement {
    private final Message message;
    private volatile boolean settled;
    /** Consuming thread only: when the server last heard that this message is being worked on. */
    private long touchedNanos;

    Held(Message message, long receivedNanos) {
      this.message = message;
      this.touchedNanos = receivedNanos;
    }

    @Override
    public void ack() {
      settled = true;
      try {
        message.ack();
      } catch (RuntimeException e) {
        LOG.warn("JetStream ack failed, the message will be redelivered: {}", NatsConnector.describe(e));
      }
    }

    @Override
    public void abandon() {
      settled = true;
      nakQuietly(message);
    }
  }
}
