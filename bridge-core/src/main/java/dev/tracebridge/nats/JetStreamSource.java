package dev.tracebridge.nats;

import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.route.Acknowledgement;
import dev.tracebridge.route.Backoff;
import dev.tracebridge.route.MessageHandler;
import dev.tracebridge.route.ReceivedMessage;
import dev.tracebridge.route.Source;
import io.nats.client.ConnectionListener;
import io.nats.client.ConsumeOptions;
import io.nats.client.ConsumerContext;
import io.nats.client.IterableConsumer;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.impl.NatsJetStreamMetaData;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable JetStream pull consumer (explicit acks, deliver all, {@code MaxAckPending} from the route's
 * in-flight window, AckWait 30 s), created or updated on start, consumed in batches on its own thread.
 * Several bridges with the same durable share the stream's messages.
 *
 * <p>Messages are pulled in batches of up to {@value #MAX_BATCH} with jnats's simplified API, which
 * asks for the next batch before the current one runs out, so a message never costs a round trip of
 * its own. The handler runs on the consuming thread and may block.
 *
 * <p>{@code ack()} acks the message; {@code abandon()} naks it, so that it is redelivered at once.
 *
 * <p>While the server is unreachable or the stream does not exist, the source retries with backoff,
 * reports itself not connected, and logs the reason once per change. After every reconnect it
 * rebuilds its pull subscription: pull requests do not survive a server restart, and waiting for the
 * missed heartbeats to notice would leave the consumer stale for a long time.
 */
public final class JetStreamSource implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(JetStreamSource.class);
  static final int MAX_BATCH = 256;
  static final Duration DEFAULT_ACK_WAIT = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final long EXPIRES_MILLIS = 10_000;

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
  /** True while the handler runs; stop() interrupts only then, to wake a handler blocked on a full window. */
  private volatile boolean inHandler;
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
    this.connector = new NatsConnector("bridge-" + routeName + "-source", cluster);
    connector.addListener((connection, event) -> {
      if (event == ConnectionListener.Events.RECONNECTED) {
        resubscribe = true;
      }
    });
  }

  @Override
  public void start(MessageHandler handler) {
    connector.start(connection -> {
      Thread t = new Thread(() -> consumeLoop(handler), "jetstream-" + routeName);
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

  private void consumeLoop(MessageHandler handler) {
    Backoff.Attempts backoff = Backoff.RECONNECT.attempts();
    while (!stopped) {
      try {
        ConsumerContext consumer = connector.connection().orElseThrow()
            .getStreamContext(config.stream())
            .createOrUpdateConsumer(consumerConfiguration());
        resubscribe = false;
        try (IterableConsumer messages = consumer.iterate(consumeOptions())) {
          consuming = true;
          reportRecovered();
          backoff.reset();
          consume(messages, handler);
        }
      } catch (InterruptedException e) {
        break;
      } catch (Exception e) {
        // IOException (timeout while the server is away), JetStreamApiException (stream missing, bad
        // consumer config), JetStreamStatusCheckedException (consumer deleted), IllegalStateException (closed)
        consuming = false;
        reportProblem(e);
        try {
          backoff.sleep();
        } catch (InterruptedException interrupted) {
          break;
        }
      }
    }
    consuming = false;
  }

  /** Hands messages over until stopped or a reconnect asks for a new subscription. */
  private void consume(IterableConsumer messages, MessageHandler handler) throws Exception {
    while (!stopped && !resubscribe) {
      Message message = messages.nextMessage(POLL);
      if (message != null) {
        deliver(message, handler);
      }
    }
    // Messages already pulled into the client but not handed over go back to the stream now, not
    // after AckWait, so that this or another bridge gets them at once.
    messages.stop();
    Message left;
    while ((left = messages.nextMessage(POLL)) != null) {
      nakQuietly(left);
    }
  }

  private void deliver(Message message, MessageHandler handler) {
    NatsJetStreamMetaData meta = message.metaData();
    BridgeMessage bridgeMessage = new BridgeMessage(message.getData(), null,
        NatsHeaderCodec.decode(message.getHeaders()),
        new SourcePosition.JetStream(message.getSubject(), meta.getStream(), meta.streamSequence(),
            meta.deliveredCount(), meta.timestamp().toInstant().toEpochMilli()));
    inHandler = true;
    try {
      handler.onMessage(ReceivedMessage.of(bridgeMessage, message.getSubject(), new JetStreamAcknowledgement(message)));
    } finally {
      inHandler = false;
    }
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

  private ConsumeOptions consumeOptions() {
    return ConsumeOptions.builder()
        .batchSize(Math.min(MAX_BATCH, maxAckPending))
        .expiresIn(EXPIRES_MILLIS)
        .build();
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

  @Override
  public void stop() {
    stopped = true;
    Thread t = consumeThread;
    if (t != null && inHandler) {
      // wakes a handler blocked on a full in-flight window; that message is nak'ed
      t.interrupt();
    }
  }

  @Override
  public void close() {
    stop();
    Thread t = consumeThread;
    if (t != null) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    connector.close();
  }

  /** Acks and naks go out on the connection; jnats makes both thread-safe. */
  private record JetStreamAcknowledgement(Message message) implements Acknowledgement {
    @Override
    public void ack() {
      try {
        message.ack();
      } catch (RuntimeException e) {
        LOG.warn("JetStream ack failed, the message will be redelivered: {}", NatsConnector.describe(e));
      }
    }

    @Override
    public void abandon() {
      nakQuietly(message);
    }
  }
}
