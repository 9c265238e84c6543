package dev.tracebridge.nats;

import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.route.Acknowledgement;
import dev.tracebridge.route.MessageHandler;
import dev.tracebridge.route.ReceivedMessage;
import dev.tracebridge.route.Source;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Core NATS subscription (with a queue group when configured, so that several bridges share the
 * subject). Core NATS is at most once by nature: a message that arrives while the bridge is down or
 * reconnecting is not kept by anybody, and there is nothing to acknowledge, so {@code ack} and
 * {@code abandon} do nothing.
 *
 * <p>The handler runs on the subscription's dispatcher thread and may block (the route's
 * backpressure); meanwhile jnats buffers incoming messages up to generous pending limits, beyond which
 * it drops them and reports a slow consumer. jnats resubscribes after every reconnect.
 *
 * <p>After {@link #stop()} the subscription is drained: the server sends nothing more, and the
 * messages that had already reached the client's buffer are still handed to the handler.
 */
public final class NatsCoreSource implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(NatsCoreSource.class);
  /** Core NATS messages buffered in the client while the handler blocks. */
  static final long PENDING_MESSAGE_LIMIT = 1_000_000;
  static final long PENDING_BYTE_LIMIT = 512L * 1024 * 1024;
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
  private final NatsConnector connector;
  /** Random per source object, so that {@code Nats-Msg-Id}s never repeat across processes and restarts. */
  private final String instanceId = SourcePosition.Nats.newInstanceId();
  private final AtomicLong localSequence = new AtomicLong();
  private volatile Dispatcher dispatcher;
  private volatile boolean stopped;
  private volatile Consumer<Throwable> fatalErrorListener = e -> { };

  public NatsCoreSource(String routeName, SourceConfig.Nats config, NatsClusterConfig cluster) {
    this.routeName = routeName;
    this.config = config;
    this.connector = new NatsConnector("bridge-" + routeName + "-source", cluster);
  }

  @Override
  public void start(MessageHandler handler) {
    connector.start(connection -> subscribe(connection, handler));
  }

  private synchronized void subscribe(Connection connection, MessageHandler handler) {
    if (stopped) {
      return;
    }
    try {
      Dispatcher d = connection.createDispatcher(message -> deliver(message, handler));
      if (config.queueGroup().isPresent()) {
        d.subscribe(config.subject(), config.queueGroup().get());
      } else {
        d.subscribe(config.subject());
      }
      d.setPendingLimits(PENDING_MESSAGE_LIMIT, PENDING_BYTE_LIMIT);
      dispatcher = d;
      LOG.info("Route {}: subscribed to NATS subject {}{}", routeName, config.subject(),
          config.queueGroup().map(q -> " in queue group " + q).orElse(""));
    } catch (RuntimeException e) {
      // an invalid subject or queue group: no retry can fix it, the route must report it
      LOG.error("Route {}: cannot subscribe to NATS subject {}: {}", routeName, config.subject(),
          NatsConnector.describe(e));
      fatalErrorListener.accept(e);
    }
  }

  @Override
  public void onFatalError(Consumer<Throwable> listener) {
    this.fatalErrorListener = listener;
  }

  private void deliver(Message message, MessageHandler handler) {
    BridgeMessage bridgeMessage = new BridgeMessage(message.getData(), null,
        NatsHeaderCodec.decode(message.getHeaders()),
        new SourcePosition.Nats(message.getSubject(), instanceId, localSequence.incrementAndGet()));
    handler.onMessage(ReceivedMessage.of(bridgeMessage, message.getSubject(), AT_MOST_ONCE));
  }

  @Override
  public boolean isConnected() {
    return dispatcher != null && !stopped && connector.isConnected();
  }

  @Override
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    Dispatcher d = dispatcher;
    if (d != null && connector.isConnected()) {
      try {
        d.drain(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        LOG.debug("Route {}: draining the NATS subscription failed: {}", routeName, NatsConnector.describe(e));
      }
    }
  }

  @Override
  public void close() {
    stop();
    connector.close();
  }
}
