package dev.tracebridge.kafka;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.logging.MessageLogContext;
import dev.tracebridge.logging.RateLimitedLog;
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
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
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
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
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
 * <p>One thread (the poll thread) owns the {@link KafkaConsumer}, which is not thread-safe, and it never
 * blocks on the route: {@link MessageHandler#onMessage} always returns at once. Backpressure is
 * {@link MessageHandler#hasRoom}: while it is false the poll thread pauses the assigned partitions and
 * keeps polling (with a short timeout, so that it notices room promptly), so heartbeats, commits and
 * rebalance callbacks go on however long the destination is away, and the member is never evicted for
 * exceeding {@code max.poll.interval.ms}. Every record a poll returned is handed over, even when room ran
 * out in the middle of the batch: the consumer's position has already moved past them.
 *
 * <p>Commits: asynchronously about every second, synchronously when partitions are revoked and when the
 * source closes. Acknowledgements come from any thread and only touch the partition's
 * {@link PartitionCommitTracker}.
 *
 * <p>Rebalances: cooperative-sticky assignment by default (the user's {@code partition.assignment.strategy}
 * wins), so a member joining or leaving takes away only the partitions that move, and the others keep
 * flowing. When partitions are revoked, the poll thread waits a bounded time (10 s, or a third of
 * {@code max.poll.interval.ms} when that is less) for their handed-out records to settle, commits what
 * was acknowledged, and then marks every record still unsettled there as {@linkplain
 * Acknowledgement#isRevoked revoked}: the route drops its sends and retries, and the partition's new owner
 * delivers them. A revoked tracker never commits, so a late ack cannot move the group's offset past
 * records the new owner has not delivered. Lost partitions (the member was evicted) are marked revoked
 * without a commit, which the group would refuse anyway.
 *
 * <p>Where to start: {@code auto.offset.reset} is always {@code none}, so that the consumer never decides
 * by itself. A partition without a committed offset starts where {@code start-from} says (earliest or
 * latest), and that position is committed at once, so that a restart before the first acknowledgement
 * does not choose again (with latest, it would skip what arrived in between). A committed offset that is
 * no longer in the log (retention removed it while the bridge was away) restarts at the earliest
 * retained record with a WARN, never at the latest: a bridge down too long relays what is still there.
 *
 * <p>Errors while polling are logged and retried with backoff; the source never stops silently. Only
 * errors that cannot heal by waiting (authentication, authorization, invalid configuration) end the
 * poll thread, and they are reported to the {@link #onFatalError} listener.
 */
public final class KafkaSource implements Source {

  private static final Logger log = LoggerFactory.getLogger(KafkaSource.class);

  /** Short, so that flags (stop, close) and the commit interval are honoured promptly while idle. */
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
  /** Shorter while paused: such a poll only keeps the member alive, and room should resume promptly. */
  private static final Duration PAUSED_POLL_TIMEOUT = Duration.ofMillis(50);
  /**
   * How often acknowledged offsets are committed. What was relayed but not yet committed is sent again
   * after a crash; at a catch-up rate of 10,000 records a second, 200 ms keeps that to about 2,000, below
   * the in-flight window, for one cheap asynchronous commit request five times a second.
   */
  private static final Duration COMMIT_INTERVAL = Duration.ofMillis(200);
  private static final Duration SYNC_COMMIT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POSITION_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CONSUMER_CLOSE_TIMEOUT = Duration.ofSeconds(10);
  /** The upper bound of the revocation wait; see the class comment. */
  private static final Duration MAX_REVOCATION_WAIT = Duration.ofSeconds(10);
  /** Kafka's default {@code max.poll.interval.ms}. */
  private static final long DEFAULT_MAX_POLL_INTERVAL_MS = 300_000;
  /** How long close() lets the poll thread finish a poll or a revocation wait before interrupting it. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
  /** How often the poll thread publishes the partitions' lag and the connection count for /metrics. */
  private static final Duration STATS_INTERVAL = Duration.ofSeconds(1);
  /** The longest the poll thread waits for the log ends of paused partitions. */
  private static final Duration LAG_LOOKUP_TIMEOUT = Duration.ofMillis(500);

  private final String routeName;
  /** A broker outage fails every poll and commit until it ends: one line per 10 s each, with a count. */
  private final RateLimitedLog pollWarnings = new RateLimitedLog(log);
  private final RateLimitedLog commitWarnings = new RateLimitedLog(log);
  private final SourceConfig.Kafka config;
  private final Map<String, Object> consumerProperties;
  private final Duration revocationWait;
  private final ClusterProbe probe;
  /** Trackers of the partitions currently assigned; only the poll thread reads or changes this map. */
  private final Map<TopicPartition, PartitionCommitTracker> trackers = new HashMap<>();
  /**
   * Partitions this source paused because the route had no room, and only those: they are resumed when
   * room comes back. Partitions paused for {@link #stop} are never resumed. Poll thread only.
   */
  private final Set<TopicPartition> heldForRoom = new HashSet<>();
  /** The route's last answer to hasRoom(), false while holding; poll thread only. */
  private boolean holding;

  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final AtomicBoolean closeRequested = new AtomicBoolean();
  /** Counted down on close, so that a backoff wait ends at once. */
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile Thread pollThread;
  private volatile boolean polling;
  /** Written by the poll thread only, as a new immutable map: readers never touch the consumer. */
  private volatile Map<String, Long> lag = Map.of();
  private volatile long connectionsCreated;

  private final Object fatalLock = new Object();
  private Consumer<Throwable> fatalListener;
  private Throwable fatalError;

  public KafkaSource(String routeName, SourceConfig.Kafka config, KafkaClusterConfig cluster) {
    this.routeName = routeName;
    this.config = config;
    Map<String, Object> props = new HashMap<>(cluster.properties());
    props.putAll(config.properties());
    // The new group protocol (KIP-848) assigns on the broker, incrementally, and rejects this setting.
    if (!props.containsKey(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG) && !usesBrokerAssignment(props)) {
      props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    }
    Object reset = props.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG);
    if (reset != null && !"none".equals(String.valueOf(reset).trim().toLowerCase(Locale.ROOT))) {
      log.warn("route {}: consumer property auto.offset.reset = {} is ignored; start-from decides where a group "
          + "without committed offsets begins", routeName, reset);
    }
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "bridge-" + routeName + "-source");
    this.consumerProperties = Map.copyOf(props);
    this.revocationWait = revocationWait(props.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG));
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
    Thread thread = new Thread(MessageLogContext.forRoute(routeName, () -> run(handler)),
        "bridge-" + routeName + "-kafka-poll");
    polling = true;
    pollThread = thread;
    thread.start();
  }

  /** Connected while the poll thread runs and the cluster answers the {@link ClusterProbe}. */
  @Override
  public boolean isConnected() {
    return polling && probe.isReachable();
  }

  /** Pauses every partition for good; the poll thread keeps polling so that heartbeats and commits of late acks go on. */
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

  /** The time a revocation waits for in-flight records: well below the group's patience with this member. */
  static Duration revocationWait(Object maxPollIntervalMs) {
    long interval = DEFAULT_MAX_POLL_INTERVAL_MS;
    if (maxPollIntervalMs != null) {
      try {
        interval = Long.parseLong(String.valueOf(maxPollIntervalMs).trim());
      } catch (NumberFormatException e) {
        // The consumer rejects the setting itself and the source reports that as fatal.
      }
    }
    Duration third = Duration.ofMillis(Math.max(interval, 0) / 3);
    return third.compareTo(MAX_REVOCATION_WAIT) < 0 ? third : MAX_REVOCATION_WAIT;
  }

  private static boolean usesBrokerAssignment(Map<String, Object> props) {
    Object protocol = props.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
    return protocol != null && "consumer".equalsIgnoreCase(String.valueOf(protocol).trim());
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
      lag = Map.of();
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
    long nextStats = System.nanoTime();
    Backoff.Attempts backoff = Backoff.RECONNECT.attempts();
    while (!closeRequested.get()) {
      try {
        boolean paused = holdOrResume(consumer, handler);
        ConsumerRecords<byte[], byte[]> records = consumer.poll(paused ? PAUSED_POLL_TIMEOUT : POLL_TIMEOUT);
        backoff.reset();
        deliver(records, handler);
        if (System.nanoTime() - nextCommit >= 0) {
          commitAsync(consumer);
          nextCommit = System.nanoTime() + COMMIT_INTERVAL.toNanos();
        }
        if (System.nanoTime() - nextStats >= 0) {
          publishStats(consumer);
          nextStats = System.nanoTime() + STATS_INTERVAL.toNanos();
        }
      } catch (NoOffsetForPartitionException e) {
        startWhereConfigured(consumer, e.partitions());
      } catch (OffsetOutOfRangeException e) {
        restartAtEarliest(consumer, e.offsetOutOfRangePartitions());
      } catch (KafkaException e) {
        if (cannotHeal(e)) {
          throw e;
        }
        Duration delay = backoff.next();
        pollWarnings.warn("route {}: Kafka poll failed, retrying in {} ms: {}", routeName, delay.toMillis(),
            e.toString());
        if (!waitUnlessClosing(delay)) {
          return;
        }
      }
    }
  }

  /**
   * Poll thread: publishes each assigned partition's lag and the connections the client opened. The
   * consumer is not thread-safe, so the admin thread reads only what this leaves behind.
   *
   * <p>The lag is the log end the last fetch saw minus the position (unknown before the first fetch, so
   * left out). A paused partition is not fetched, so its log end would freeze exactly while the route
   * falls behind: for those the log end is asked of the broker, which costs a round trip, but only while
   * paused, when the poll thread has nothing to deliver anyway.
   */
  private void publishStats(KafkaConsumer<byte[], byte[]> consumer) {
    Set<TopicPartition> paused = consumer.paused();
    Map<TopicPartition, Long> ends = paused.isEmpty() ? Map.of() : endOffsetsQuietly(consumer, paused);
    Map<String, Long> now = new HashMap<>();
    for (TopicPartition partition : consumer.assignment()) {
      Long end = ends.get(partition);
      OptionalLong behind = end == null ? consumer.currentLag(partition) : behind(consumer, partition, end);
      if (behind.isPresent()) {
        now.put(partition.toString(), behind.getAsLong());
      }
    }
    lag = Map.copyOf(now);
    connectionsCreated = ClientConnections.created(consumer.metrics());
  }

  private static Map<TopicPartition, Long> endOffsetsQuietly(KafkaConsumer<byte[], byte[]> consumer,
      Set<TopicPartition> partitions) {
    try {
      return consumer.endOffsets(partitions, LAG_LOOKUP_TIMEOUT);
    } catch (KafkaException e) {
      // the broker is away: the lag stays what the last fetch saw, and the poll reports the outage
      log.debug("end offsets for the lag failed: {}", e.toString());
      return Map.of();
    }
  }

  /** The records between the position and {@code end}; empty while the position is not known locally. */
  private static OptionalLong behind(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition, long end) {
    try {
      return OptionalLong.of(Math.max(0, end - consumer.position(partition, Duration.ZERO)));
    } catch (KafkaException e) {
      return consumer.currentLag(partition);
    }
  }

  /** Records behind the log end per assigned partition ({@code topic-partition}), at most a second old. */
  @Override
  public Map<String, Long> lag() {
    return lag;
  }

  /** The consumer's {@code connection-creation-total}; see {@link ClientConnections}. */
  @Override
  public long reconnects() {
    return connectionsCreated;
  }

  /**
   * Pauses the assigned partitions while the route has no room or the source is stopping, and resumes
   * those it paused for room once room is back. True while partitions are held.
   */
  private boolean holdOrResume(KafkaConsumer<byte[], byte[]> consumer, MessageHandler handler) {
    if (stopRequested.get()) {
      // Paused for stop: forgotten as held, so never resumed.
      consumer.pause(consumer.assignment());
      heldForRoom.clear();
      return true;
    }
    holding = !handler.hasRoom();
    if (holding) {
      Set<TopicPartition> running = new HashSet<>(consumer.assignment());
      running.removeAll(consumer.paused());
      if (!running.isEmpty()) {
        consumer.pause(running);
        heldForRoom.addAll(running);
        log.debug("route {}: no room, pausing {}", routeName, running);
      }
      return true;
    }
    if (!heldForRoom.isEmpty()) {
      heldForRoom.retainAll(consumer.assignment());
      consumer.resume(heldForRoom);
      log.debug("route {}: room again, resuming {}", routeName, heldForRoom);
      heldForRoom.clear();
    }
    return false;
  }

  /**
   * Hands every record to the handler, whether or not it still has room: the consumer's position has
   * moved past them. Only a stop ends the batch early; records not handed out are not registered, so the
   * tracker never commits past them and they are delivered again later.
   */
  private void deliver(ConsumerRecords<byte[], byte[]> records, MessageHandler handler) {
    // partition by partition: the lane name and the partition are made once per poll, not per record
    for (TopicPartition partition : records.partitions()) {
      String lane = partition.toString();
      for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
        if (stopRequested.get()) {
          return;
        }
        PartitionCommitTracker tracker = trackerFor(partition, record.offset());
        tracker.register(record.offset());
        BridgeMessage message = new BridgeMessage(record.value(), record.key(), KafkaHeaders.fromKafka(record.headers()),
            new SourcePosition.Kafka(record.topic(), record.partition(), record.offset(), record.timestamp()));
        handler.onMessage(ReceivedMessage.of(message, lane, new OffsetAcknowledgement(tracker, record.offset())));
      }
    }
  }


  /**
   * The partition's tracker; a new one when the offsets went back (the log was truncated and the source
   * restarted at its earliest record), because no offset of the old run may be committed any more.
   */
  private PartitionCommitTracker trackerFor(TopicPartition partition, long offset) {
    PartitionCommitTracker tracker = trackers.get(partition);
    if (tracker != null && !tracker.follows(offset)) {
      log.warn("route {}: partition {} went back to offset {}; records still in flight before it are revoked",
          routeName, partition, offset);
      tracker.revoke();
      tracker = null;
    }
    if (tracker == null) {
      tracker = new PartitionCommitTracker();
      trackers.put(partition, tracker);
    }
    return tracker;
  }

  /** The group has no offset for these partitions: start-from decides, and the choice is committed. */
  private void startWhereConfigured(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> partitions) {
    Set<TopicPartition> assigned = new HashSet<>(partitions);
    assigned.retainAll(consumer.assignment());
    if (assigned.isEmpty()) {
      return;
    }
    boolean earliest = config.startFrom() == SourceConfig.StartFrom.EARLIEST;
    if (earliest) {
      consumer.seekToBeginning(assigned);
    } else {
      consumer.seekToEnd(assigned);
    }
    log.info("route {}: group {} has no committed offset for {}; starting at the {} offset (start-from)",
        routeName, config.groupId(), assigned, earliest ? "earliest" : "latest");
    commitStartPositions(consumer, assigned);
  }

  /**
   * Commits where start-from put these partitions, so that a restart before the first acknowledgement
   * starts there again instead of choosing anew (with latest, that would skip what arrived meanwhile).
   * Best effort: on failure the position still holds for this run.
   */
  private void commitStartPositions(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    try {
      for (TopicPartition partition : partitions) {
        offsets.put(partition, new OffsetAndMetadata(consumer.position(partition, POSITION_TIMEOUT)));
      }
      consumer.commitSync(offsets, SYNC_COMMIT_TIMEOUT);
    } catch (KafkaException e) {
      log.warn("route {}: could not commit the start positions {}: {}", routeName, offsets, e.toString());
    }
  }

  /**
   * The committed (or current) offset is no longer in the log: retention removed it while the bridge was
   * away or behind. Restart at the earliest retained record, never at the latest, so that what is still
   * there is relayed; what retention removed is gone, and the WARN says where.
   */
  private void restartAtEarliest(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> outOfRange) {
    Set<TopicPartition> assigned = new HashSet<>(outOfRange.keySet());
    assigned.retainAll(consumer.assignment());
    for (TopicPartition partition : assigned) {
      log.warn("route {}: offset {} of partition {} is no longer in the log (removed by retention?); restarting at "
          + "the earliest retained offset", routeName, outOfRange.get(partition), partition);
    }
    consumer.seekToBeginning(assigned);
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
        commitWarnings.warn("route {}: asynchronous commit failed, will retry: {}", routeName, error.toString());
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

  /**
   * Waits, until one deadline, for the records handed out from these partitions to be acknowledged or
   * abandoned. Not while closing: the route has already settled what it could before closing the source.
   */
  private void awaitSettled(Collection<TopicPartition> partitions) {
    if (closeRequested.get()) {
      return;
    }
    long deadline = System.nanoTime() + revocationWait.toNanos();
    for (TopicPartition partition : partitions) {
      PartitionCommitTracker tracker = trackers.get(partition);
      try {
        if (tracker != null && !tracker.awaitSettled(deadline)) {
          return;
        }
      } catch (InterruptedException e) {
        // close() interrupts a wait that outlasts its grace; the flag stays cleared so that the
        // commit that follows can still run.
        return;
      }
    }
  }

  /** These partitions are no longer ours: their unsettled records are revoked and their trackers forgotten. */
  private void forget(Collection<TopicPartition> partitions, String why) {
    int unsettled = 0;
    for (TopicPartition partition : partitions) {
      PartitionCommitTracker tracker = trackers.remove(partition);
      if (tracker != null) {
        unsettled += tracker.pending();
        tracker.revoke();
      }
    }
    heldForRoom.removeAll(partitions);
    if (unsettled > 0) {
      log.info("route {}: partitions {} {}; {} records in flight from them are revoked and come again from their "
          + "next owner", routeName, partitions, why, unsettled);
    }
  }

  private void commitAndClose(KafkaConsumer<byte[], byte[]> consumer) {
    // close() may have interrupted the poll thread; the final commit must still be able to run.
    Thread.interrupted();
    try {
      commitSync(consumer, trackers.keySet());
      // Acks that arrive from now on are never committed: say so to the route, which then drops retries.
      forget(Set.copyOf(trackers.keySet()), "are released on close");
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
      thread.join(CLOSE_GRACE.toMillis());
      if (thread.isAlive()) {
        log.warn("route {}: Kafka poll thread still busy after {} s; interrupting it", routeName,
            CLOSE_GRACE.toSeconds());
        thread.interrupt();
        thread.join(SYNC_COMMIT_TIMEOUT.plus(CONSUMER_CLOSE_TIMEOUT).toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Settles revoked partitions (wait, commit, revoke) and pauses partitions that arrive while the route
   * has no room or the source is stopped. Runs on the poll thread, inside poll().
   */
  private final class CommittingRebalanceListener implements ConsumerRebalanceListener {
    private final KafkaConsumer<byte[], byte[]> consumer;

    CommittingRebalanceListener(KafkaConsumer<byte[], byte[]> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      awaitSettled(partitions);
      commitSync(consumer, partitions);
      forget(partitions, "were revoked");
    }

    /** Lost partitions already belong to another member: committing for them would be refused. */
    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions, "were lost (this member was evicted from the group)");
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (stopRequested.get()) {
        consumer.pause(partitions);
      } else if (holding && !partitions.isEmpty()) {
        // Records of these partitions may come in this very poll; the route asked for none.
        consumer.pause(partitions);
        heldForRoom.addAll(partitions);
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

    /** True for a record not settled yet whose partition this member no longer owns. */
    @Override
    public boolean isRevoked() {
      return !settled.get() && tracker.isRevoked();
    }
  }
}
