package dev.tracebridge.kafka;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.route.Acknowledgement;
import dev.tracebridge.route.Backoff;
import dev.tracebridge.route.MessageHandler;
import dev.tracebridge.route.ReceivedMessage;
import dev.tracebridge.route.Source;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidGroupIdException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes a Kafka topic list or pattern in a consumer group and hands every record to the route,
 * committing at least once: a partition's offset is committed only up to the first record that the
 * route has not acknowledged.
 *
 * <p>One thread (the poll thread) owns the {@link KafkaConsumer}, which is not thread-safe. It polls,
 * hands records to the handler (which may block: that is the route's backpressure), and commits what
 * was acknowledged: asynchronously about every second, synchronously when partitions are revoked and
 * when the source closes. Acknowledgements come from any thread and only touch the partition's
 * {@link PartitionCommitTracker}, so an ack for a partition already revoked lands in a tracker nobody
 * reads any more: it is ignored, and the record is delivered again to the partition's new owner.
 *
 * <p>Errors while polling are logged and retried with backoff; the source never stops silently. Only
 * errors that cannot heal by waiting (authentication, authorization, invalid configuration) end the
 * poll thread, and they are reported to the {@link #onFatalError} listener.
 */
public final class KafkaSource implements Source {

  private static final Logger log = LoggerFactory.getLogger(KafkaSource.class);

  /** Short, so that flags (stop, close) and the commit interval are honoured promptly while idle. */
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
  private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
  private static final Duration SYNC_COMMIT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CONSUMER_CLOSE_TIMEOUT = Duration.ofSeconds(10);
  /** How long close() lets a handler that still blocks return by itself before interrupting it. */
  private static final Duration HANDLER_GRACE = Duration.ofSeconds(5);

  private final String routeName;
  private final SourceConfig.Kafka config;
  private final Map<String, Object> consumerProperties;
  private final ClusterProbe probe;
  /** Trackers of the partitions currently assigned; only the poll thread reads or changes this map. */
  private final Map<TopicPartition, PartitionCommitTracker> trackers = new HashMap<>();

  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final AtomicBoolean closeRequested = new AtomicBoolean();
  /** Counted down on close, so that a backoff wait ends at once. */
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile Thread pollThread;
  private volatile boolean polling;

  private final Object fatalLock = new Object();
  private Consumer<Throwable> fatalListener;
  private Throwable fatalError;

  public KafkaSource(String routeName, SourceConfig.Kafka config, KafkaClusterConfig cluster) {
    this.routeName = routeName;
    this.config = config;
    Map<String, Object> props = new HashMap<>(cluster.properties());
    props.putAll(config.properties());
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, config.startFrom().name().toLowerCase(Locale.ROOT));
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "bridge-" + routeName + "-source");
    this.consumerProperties = Map.copyOf(props);
    this.probe = new ClusterProbe("bridge-" + routeName + "-source", cluster.bootstrapServers(), props);
  }

  @Override
  public void start(MessageHandler handler) {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("source of route " + routeName + " already started");
    }
    if (closeRequested.get()) {
      return;
    }
    probe.start();
    Thread thread = new Thread(() -> run(handler), "bridge-" + routeName + "-kafka-poll");
    polling = true;
    pollThread = thread;
    thread.start();
  }

  /** Connected while the poll thread runs and the cluster answers the {@link ClusterProbe}. */
  @Override
  public boolean isConnected() {
    return polling && probe.isReachable();
  }

  /** Pauses every partition; the poll thread keeps polling so that heartbeats and commits of late acks go on. */
  @Override
  public void stop() {
    stopRequested.set(true);
  }

  @Override
  public void close() {
    if (!closeRequested.compareAndSet(false, true)) {
      return;
    }
    stopRequested.set(true);
    closing.countDown();
    Thread thread = pollThread;
    if (thread != null && thread != Thread.currentThread()) {
      awaitPollThread(thread);
    }
    probe.close();
  }

  @Override
  public void onFatalError(Consumer<Throwable> listener) {
    Throwable error;
    synchronized (fatalLock) {
      fatalListener = listener;
      error = fatalError;
    }
    if (error != null) {
      listener.accept(error);
    }
  }

  private void run(MessageHandler handler) {
    KafkaConsumer<byte[], byte[]> consumer;
    try {
      consumer = new KafkaConsumer<>(consumerProperties);
    } catch (RuntimeException e) {
      fail(e);
      return;
    }
    try {
      subscribe(consumer);
      pollUntilClosed(consumer, handler);
    } catch (RuntimeException e) {
      fail(e);
    } finally {
      commitAndClose(consumer);
    }
  }

  private void subscribe(KafkaConsumer<byte[], byte[]> consumer) {
    ConsumerRebalanceListener listener = new CommittingRebalanceListener(consumer);
    if (config.topicPattern().isPresent()) {
      consumer.subscribe(Pattern.compile(config.topicPattern().get()), listener);
    } else {
      consumer.subscribe(config.topics(), listener);
    }
  }

  /** Returns normally on close; throws only errors that cannot heal. */
  private void pollUntilClosed(KafkaConsumer<byte[], byte[]> consumer, MessageHandler handler) {
    long nextCommit = System.nanoTime() + COMMIT_INTERVAL.toNanos();
    Backoff.Attempts backoff = Backoff.RECONNECT.attempts();
    while (!closeRequested.get()) {
      try {
        if (stopRequested.get()) {
          consumer.pause(consumer.assignment());
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL_TIMEOUT);
        backoff.reset();
        if (!deliver(records, handler)) {
          return;
        }
        if (System.nanoTime() - nextCommit >= 0) {
          commitAsync(consumer);
          nextCommit = System.nanoTime() + COMMIT_INTERVAL.toNanos();
        }
      } catch (KafkaException e) {
        if (cannotHeal(e)) {
          throw e;
        }
        Duration delay = backoff.next();
        log.warn("route {}: Kafka poll failed, retrying in {} ms: {}", routeName, delay.toMillis(), e.toString());
        if (!waitUnlessClosing(delay)) {
          return;
        }
      }
    }
  }

  /** Hands records to the handler until stopped; false when interrupted while closing. */
  private boolean deliver(ConsumerRecords<byte[], byte[]> records, MessageHandler handler) {
    for (ConsumerRecord<byte[], byte[]> record : records) {
      if (stopRequested.get()) {
        // Not handed out, so not registered: the tracker never commits past them.
        return true;
      }
      TopicPartition partition = new TopicPartition(record.topic(), record.partition());
      PartitionCommitTracker tracker = trackers.computeIfAbsent(partition, p -> new PartitionCommitTracker());
      tracker.register(record.offset());
      BridgeMessage message = new BridgeMessage(record.value(), record.key(), KafkaHeaders.fromKafka(record.headers()),
          new SourcePosition.Kafka(record.topic(), record.partition(), record.offset(), record.timestamp()));
      handler.onMessage(ReceivedMessage.of(message, partition.toString(),
          new OffsetAcknowledgement(tracker, record.offset())));
    }
    return true;
  }

  private void commitAsync(KafkaConsumer<byte[], byte[]> consumer) {
    Map<TopicPartition, PartitionCommitTracker> committing = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = pendingCommits(trackers.keySet(), committing);
    if (offsets.isEmpty()) {
      return;
    }
    consumer.commitAsync(offsets, (committed, error) -> {
      if (error == null) {
        committed.forEach((partition, offset) -> committing.get(partition).committed(offset.offset()));
      } else {
        log.warn("route {}: asynchronous commit failed, will retry: {}", routeName, error.toString());
      }
    });
  }

  /** Commits what was acknowledged in these partitions; failures are logged, the records come again later. */
  private void commitSync(KafkaConsumer<byte[], byte[]> consumer, Collection<TopicPartition> partitions) {
    Map<TopicPartition, PartitionCommitTracker> committing = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> offsets = pendingCommits(partitions, committing);
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(offsets, SYNC_COMMIT_TIMEOUT);
      offsets.forEach((partition, offset) -> committing.get(partition).committed(offset.offset()));
    } catch (KafkaException e) {
      log.warn("route {}: commit of {} failed; those records will be delivered again: {}",
          routeName, offsets, e.toString());
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> pendingCommits(
      Collection<TopicPartition> partitions, Map<TopicPartition, PartitionCommitTracker> committing) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : partitions) {
      PartitionCommitTracker tracker = trackers.get(partition);
      if (tracker != null) {
        tracker.pendingCommit().ifPresent(offset -> {
          offsets.put(partition, new OffsetAndMetadata(offset));
          committing.put(partition, tracker);
        });
      }
    }
    return offsets;
  }

  private void commitAndClose(KafkaConsumer<byte[], byte[]> consumer) {
    // close() may have interrupted a blocked handler; the final commit must still be able to run.
    Thread.interrupted();
    try {
      commitSync(consumer, trackers.keySet());
      consumer.close(CloseOptions.timeout(CONSUMER_CLOSE_TIMEOUT));
    } catch (RuntimeException e) {
      log.warn("route {}: closing the Kafka consumer failed: {}", routeName, e.toString());
    } finally {
      polling = false;
    }
  }

  private void fail(Throwable error) {
    log.error("route {}: Kafka source stopped on an error that retrying cannot fix: {}", routeName, error.toString());
    polling = false;
    Consumer<Throwable> listener;
    synchronized (fatalLock) {
      fatalError = error;
      listener = fatalListener;
    }
    if (listener != null) {
      listener.accept(error);
    }
  }

  private static boolean cannotHeal(KafkaException e) {
    return e instanceof AuthenticationException || e instanceof AuthorizationException
        || e instanceof ConfigException || e instanceof InvalidGroupIdException || e instanceof InvalidTopicException;
  }

  /** False when the source is closing (the wait ended early) or the thread was interrupted. */
  private boolean waitUnlessClosing(Duration duration) {
    try {
      return !closing.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      return false;
    }
  }

  private void awaitPollThread(Thread thread) {
    try {
      thread.join(HANDLER_GRACE.toMillis());
      if (thread.isAlive()) {
        log.warn("route {}: handler still busy after {} s; interrupting the poll thread", routeName,
            HANDLER_GRACE.toSeconds());
        thread.interrupt();
        thread.join(SYNC_COMMIT_TIMEOUT.plus(CONSUMER_CLOSE_TIMEOUT).toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Commits synchronously what was acknowledged in partitions taken away, then forgets them; when
   * partitions arrive while the source is stopped, pauses them at once.
   */
  private final class CommittingRebalanceListener implements ConsumerRebalanceListener {
    private final KafkaConsumer<byte[], byte[]> consumer;

    CommittingRebalanceListener(KafkaConsumer<byte[], byte[]> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      commitSync(consumer, partitions);
      trackers.keySet().removeAll(partitions);
    }

    /** Lost partitions already belong to another member: committing for them would be refused. */
    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      trackers.keySet().removeAll(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (stopRequested.get()) {
        consumer.pause(partitions);
      }
    }
  }

  /** The route settles each record once, from any thread. */
  private static final class OffsetAcknowledgement implements Acknowledgement {
    private final PartitionCommitTracker tracker;
    private final long offset;
    private final AtomicBoolean settled = new AtomicBoolean();

    OffsetAcknowledgement(PartitionCommitTracker tracker, long offset) {
      this.tracker = tracker;
      this.offset = offset;
    }

    @Override
    public void ack() {
      if (settled.compareAndSet(false, true)) {
        tracker.ack(offset);
      }
    }

    @Override
    public void abandon() {
      if (settled.compareAndSet(false, true)) {
        tracker.abandon(offset);
      }
    }
  }
}
