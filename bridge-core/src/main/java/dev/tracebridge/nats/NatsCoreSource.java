package dev.tracebridge.nats;

import dev.tracebridge.config.InFlightConfig;
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
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Core NATS subscription (with a queue group when configured, so that several bridges share the
 * subject). Core NATS is at most once by nature: a message that arrives while the bridge is down or
 * reconnecting, or that overflows the client's buffer, is not kept by anybody, and there is nothing to
 * acknowledge, so {@code ack} and {@code abandon} do nothing.
 *
 * <p>The subscription is synchronous and consumed on the source's own thread, which takes a message
 * only while the route {@linkplain MessageHandler#hasRoom has room}. Meanwhile jnats buffers what
 * arrives, up to the route's {@code in-flight.max-bytes} (and a generous message count); beyond that it
 * drops messages (a slow consumer). The drops are counted in {@link #droppedMessages} and logged at most
 * every {@value #DROP_WARNING_SECONDS} s. jnats resubscribes after every reconnect. The lane is the
 * subject.
 *
 * <p>{@link #stop()} unsubscribes by a drain (the server sends nothing more), hands over what had
 * already reached the client's buffer, and returns within about {@link #STOP_TIMEOUT}; what is still
 * buffered then is counted as dropped.
 *
 * <p>Every message gets a {@link SourcePosition.Nats} with this source's random instance id and a
 * counter, so that its {@code Nats-Msg-Id} never repeats across processes and restarts.
 */
public final class NatsCoreSource implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(NatsCoreSource.class);
  /** Messages buffered in the client while the route has no room; the byte limit is the route's. */
  static final long PENDING_MESSAGE_LIMIT = 1_000_000;
  static final long DROP_WARNING_SECONDS = 10;
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final long NO_ROOM_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final Acknowledgement AT_MOST_ONCE = new Acknowledgement() {
    @Override
    public void ack() {
      // core NATS keeps nothing to acknowledge
    }

    @Override
    public void abandon() {
      // nor anything to redeliver
    }
  };

  private final String routeName;
  private final SourceConfig.Nats config;
  private final long pendingByteLimit;
  private final NatsConnector connector;
  /** Random per source object, so that {@code Nats-Msg-Id}s never repeat across processes and restarts. */
  private final String instanceId = SourcePosition.Nats.newInstanceId();
  private final AtomicLong localSequence = new AtomicLong();
  /** Drops of subscriptions given up (resubscribed or stopped); the live one adds its own. */
  private final AtomicLong droppedBefore = new AtomicLong();
  private volatile Subscription subscription;
  private volatile boolean stopped;
  private volatile Thread consumeThread;
  private volatile Consumer<Throwable> fatalErrorListener = e -> { };
  private long warnedDropped;
  private long lastDropWarningNanos;

  public NatsCoreSource(String routeName, SourceConfig.Nats config, NatsClusterConfig cluster, InFlightConfig inFlight) {
    this.routeName = routeName;
    this.config = config;
    this.pendingByteLimit = inFlight.maxBytes();
    this.connector = new NatsConnector("bridge-" + routeName + "-source", cluster);
  }

  @Override
  public void start(MessageHandler handler) {
    connector.start(connection -> {
      Thread t = new Thread(MessageLogContext.forRoute(routeName, () -> consumeLoop(connection, handler)),
          "nats-" + routeName);
      t.setDaemon(true);
      consumeThread = t;
      if (!stopped) {
        t.start();
      }
    });
  }

  @Override
  public void onFatalError(Consumer<Throwable> listener) {
    this.fatalErrorListener = listener;
  }

  @Override
  public boolean isConnected() {
    Subscription s = subscription;
    return s != null && s.isActive() && !stopped && connector.isConnected();
  }

  @Override
  public long reconnects() {
    return connector.reconnects();
  }

  @Override
  public long droppedMessages() {
    Subscription s = subscription;
    return droppedBefore.get() + (s == null ? 0 : s.getDroppedCount());
  }

  private void consumeLoop(Connection connection, MessageHandler handler) {
    Backoff.Attempts backoff = Backoff.RECONNECT.attempts();
    while (!stopped) {
      Subscription s;
      try {
        s = subscribe(connection);
      } catch (IllegalArgumentException e) {
        // an invalid subject or queue group: no retry can fix it, the route must report it
        LOG.error("Route {}: cannot subscribe to NATS subject {}: {}", routeName, config.subject(),
            NatsConnector.describe(e));
        fatalErrorListener.accept(e);
        return;
      } catch (RuntimeException e) {
        // the connection is closing or draining; retry until stopped
        LOG.debug("Route {}: subscribing failed: {}", routeName, NatsConnector.describe(e));
        if (!pause(backoff)) {
          break;
        }
        continue;
      }
      backoff.reset();
      try {
        consume(s, handler);
      } catch (IllegalStateException e) {
        // jnats made the subscription inactive (closed connection, server error): subscribe again
        if (!stopped) {
          LOG.warn("Route {}: NATS subscription ended ({}); subscribing again", routeName, NatsConnector.describe(e));
          retire(s);
          if (!pause(backoff)) {
            break;
          }
        }
      } catch (InterruptedException e) {
        break;
      }
    }
    Subscription s = subscription;
    if (s != null) {
      handOverBuffered(s, handler);
    }
  }

  private Subscription subscribe(Connection connection) {
    Subscription s = config.queueGroup().isPresent()
        ? connection.subscribe(config.subject(), config.queueGroup().get())
        : connection.subscribe(config.subject());
    s.setPendingLimits(PENDING_MESSAGE_LIMIT, pendingByteLimit);
    subscription = s;
    LOG.info("Route {}: subscribed to NATS subject {}{}", routeName, config.subject(),
        config.queueGroup().map(q -> " in queue group " + q).orElse(""));
    return s;
  }

  /** Takes messages while the route has room, until stopped. */
  private void consume(Subscription s, MessageHandler handler) throws InterruptedException {
    while (!stopped) {
      warnAboutDrops();
      if (!handler.hasRoom()) {
        // jnats keeps buffering up to the pending limits; the route asks again shortly
        LockSupport.parkNanos(NO_ROOM_PAUSE_NANOS);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        continue;
      }
      Message message = s.nextMessage(POLL);
      if (message != null) {
        deliver(message, handler);
      }
    }
  }

  /**
   * After stop: unsubscribes (a drain: the server sends nothing more once the UNSUB is flushed) and
   * hands over what the client had already buffered, within {@link #STOP_TIMEOUT}.
   */
  private void handOverBuffered(Subscription s, MessageHandler handler) {
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    boolean draining = false;
    if (s.isActive() && connector.isConnected()) {
      try {
        s.drain(STOP_TIMEOUT.dividedBy(2));
        draining = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.debug("Route {}: draining the NATS subscription failed: {}", routeName, NatsConnector.describe(e));
      }
    }
    try {
      while (System.nanoTime() < deadline && s.isActive() && (draining || s.getPendingMessageCount() > 0)) {
        Message message = s.nextMessage(Duration.ofMillis(50));
        if (message != null) {
          deliver(message, handler);
        } else if (s.getPendingMessageCount() == 0) {
          break;
        }
      }
    } catch (IllegalStateException e) {
      // the drain finished and jnats closed the subscription: everything was handed over
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long left = s.isActive() ? s.getPendingMessageCount() : 0;
    if (s.isActive()) {
      try {
        s.unsubscribe();
      } catch (RuntimeException e) {
        // the connection is closed already
      }
    }
    if (left > 0) {
      droppedBefore.addAndGet(left);
      LOG.warn("Route {}: {} core NATS messages still buffered at shutdown are lost (core NATS is at most once)",
          routeName, left);
    }
  }

  /** Keeps the drops of a subscription that is replaced. */
  private void retire(Subscription s) {
    droppedBefore.addAndGet(s.getDroppedCount());
    if (subscription == s) {
      subscription = null;
    }
  }

  private void warnAboutDrops() {
    long dropped = droppedMessages();
    if (dropped == warnedDropped) {
      return;
    }
    long now = System.nanoTime();
    if (lastDropWarningNanos != 0 && now - lastDropWarningNanos < TimeUnit.SECONDS.toNanos(DROP_WARNING_SECONDS)) {
      return;
    }
    LOG.warn("Route {}: the destination is slower than NATS subject {}: {} messages dropped beyond the "
            + "client buffer of {} bytes ({} in total; core NATS is at most once)", routeName, config.subject(),
        dropped - warnedDropped, pendingByteLimit, dropped);
    warnedDropped = dropped;
    lastDropWarningNanos = now;
  }

  private boolean pause(Backoff.Attempts backoff) {
    try {
      backoff.sleep();
      return !stopped;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private void deliver(Message message, MessageHandler handler) {
    BridgeMessage bridgeMessage = new BridgeMessage(message.getData(), null,
        NatsHeaderCodec.decode(message.getHeaders()),
        new SourcePosition.Nats(message.getSubject(), instanceId, localSequence.incrementAndGet(),
            message.getReplyTo()));
    handler.onMessage(ReceivedMessage.of(bridgeMessage, message.getSubject(), AT_MOST_ONCE));
  }

  /** Stops taking from the server and hands over what the client buffered; returns within about 2.5 s. */
  @Override
  public void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    Thread t = consumeThread;
    if (t != null && t.isAlive() && t != Thread.currentThread()) {
      try {
        t.join(STOP_TIMEOUT.toMillis() + 500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    stop();
    connector.close();
  }
}
