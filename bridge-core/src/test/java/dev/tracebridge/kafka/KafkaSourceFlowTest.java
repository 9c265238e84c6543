package dev.tracebridge.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.route.MessageHandler;
import dev.tracebridge.route.ReceivedMessage;
import dev.tracebridge.testkit.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Kafka source under flow control and group changes, on a real broker: pausing without being evicted,
 * a cooperative rebalance that neither resends what was acknowledged nor commits what was revoked, and
 * where a group starts (start-from only without a committed offset, earliest retained after expiry).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaSourceFlowTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final AtomicInteger names = new AtomicInteger();

  private static EmbeddedKafka kafka;
  private static KafkaClusterConfig cluster;
  private static Admin admin;
  private static KafkaProducer<byte[], byte[]> producer;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start();
    cluster = new KafkaClusterConfig(kafka.bootstrapServers(), Map.of());
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }

  @AfterAll
  static void stopBroker() {
    producer.close();
    admin.close();
    kafka.close();
  }

  @AfterEach
  void closeSources() throws Exception {
    Collections.reverse(toClose);
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
  }

  @Test
  void withoutRoomTheSourcePausesStaysInTheGroupAndResumesWhenRoomComesBack() throws Exception {
    String topic = unique("pause");
    String group = unique("group");
    kafka.createTopic(topic, 1);
    produce(topic, 0, 50);
    AtomicBoolean open = new AtomicBoolean();
    Collecting handler = new Collecting();
    // Room until the first batch arrived, then none until the test opens up.
    handler.room = () -> open.get() || handler.received.isEmpty();
    startSource(topic, group, SourceConfig.StartFrom.EARLIEST,
        Map.of("max.poll.records", "10", "max.poll.interval.ms", "1500"), handler);

    await().atMost(WAIT).until(() -> !handler.received.isEmpty());
    // Three times max.poll.interval.ms: a poll thread that stopped polling would have been evicted.
    await().during(Duration.ofMillis(4500)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
        .until(() -> handler.received.size() <= 10 && members(group) == 1);

    open.set(true);
    await().atMost(WAIT).until(() -> handler.received.size() >= 50);
    // An eviction would have lost the partition and started again from offset 0: duplicates.
    assertEquals(LongStream.range(0, 50).boxed().toList(), offsets(handler.received), "every record once, in order");
    assertEquals(topic + "-0", handler.received.get(0).lane(), "the lane is the topic partition");
  }

  @Test
  void aCooperativeRebalanceCommitsWhatWasAckedAndRevokesWhatWasNot() throws Exception {
    String topic = unique("rebalance");
    String group = unique("group");
    kafka.createTopic(topic, 4);
    for (int partition = 0; partition < 4; partition++) {
      produce(topic, partition, 10);
    }
    // A third of 9 s: a revocation waits 3 s for records that never settle in this test.
    Map<String, String> properties = Map.of("max.poll.interval.ms", "9000");
    Collecting first = new Collecting();
    startSource(topic, group, SourceConfig.StartFrom.EARLIEST, properties, first);
    await().atMost(WAIT).until(() -> first.received.size() == 40);
    List<ReceivedMessage> unsettled = new ArrayList<>();
    for (ReceivedMessage message : first.received) {
      if (position(message).offset() < 5) {
        message.acknowledgement().ack();
      } else {
        unsettled.add(message);
      }
    }

    Collecting second = new Collecting();
    startSource(topic, group, SourceConfig.StartFrom.EARLIEST, properties, second);
    // Cooperative-sticky moves two of the four partitions, and the newcomer starts after the acked ones.
    await().atMost(WAIT).until(() -> second.received.size() >= 10);
    Set<Integer> moved = second.received.stream().map(m -> position(m).partition()).collect(Collectors.toSet());
    assertEquals(2, moved.size(), "two partitions moved to the newcomer");
    assertTrue(second.received.stream().allMatch(m -> position(m).offset() >= 5),
        () -> "nothing acknowledged is delivered again: " + offsetsByPartition(second.received));
    for (int partition : moved) {
      assertEquals(5L, committedOffset(group, new TopicPartition(topic, partition)), "acked prefix of " + partition);
    }
    for (ReceivedMessage message : unsettled) {
      boolean wasMoved = moved.contains(position(message).partition());
      assertEquals(wasMoved, message.acknowledgement().isRevoked(), "revoked exactly where the partition moved: "
          + position(message));
    }

    // Late acks for revoked partitions are never committed by the first member.
    unsettled.forEach(m -> m.acknowledgement().ack());
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20)).until(() -> moved.stream()
        .allMatch(partition -> committedOffset(group, new TopicPartition(topic, partition)) == 5L));
    // ...while those of the partitions it kept are.
    await().atMost(WAIT).until(() -> LongStream.range(0, 4).filter(p -> !moved.contains((int) p))
        .allMatch(p -> committedOffset(group, new TopicPartition(topic, (int) p)) == 10L));
    assertEquals(10, second.received.size(), "the newcomer got each moved record once");
  }

  @Test
  void startFromLatestAppliesOnlyToAGroupWithoutACommittedOffset() throws Exception {
    String topic = unique("latest");
    TopicPartition partition = new TopicPartition(topic, 0);
    kafka.createTopic(topic, 1);
    produce(topic, 0, 5);

    String committedGroup = unique("group");
    admin.alterConsumerGroupOffsets(committedGroup, Map.of(partition, new OffsetAndMetadata(2)))
        .all().get(30, TimeUnit.SECONDS);
    Collecting resumed = new Collecting();
    startSource(topic, committedGroup, SourceConfig.StartFrom.LATEST, Map.of(), resumed);
    await().atMost(WAIT).until(() -> resumed.received.size() >= 3);
    assertEquals(List.of(2L, 3L, 4L), offsets(resumed.received), "a committed offset wins over start-from");

    String newGroup = unique("group");
    Collecting fresh = new Collecting();
    startSource(topic, newGroup, SourceConfig.StartFrom.LATEST, Map.of(), fresh);
    // The start position is committed at once, so a restart would not choose again.
    await().atMost(WAIT).until(() -> committedOffset(newGroup, partition) == 5L);
    produce(topic, 0, 1);
    await().atMost(WAIT).until(() -> !fresh.received.isEmpty());
    assertEquals(List.of(5L), offsets(fresh.received), "a new group starts at the end");
  }

  @Test
  void anExpiredCommittedOffsetRestartsAtTheEarliestRetainedRecordNotAtTheLatest() throws Exception {
    String topic = unique("expired");
    String group = unique("group");
    TopicPartition partition = new TopicPartition(topic, 0);
    kafka.createTopic(topic, 1);
    produce(topic, 0, 10);
    admin.alterConsumerGroupOffsets(group, Map.of(partition, new OffsetAndMetadata(3)))
        .all().get(30, TimeUnit.SECONDS);
    // Retention, as seen by the group: the log now starts after the committed offset.
    admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(6))).all().get(30, TimeUnit.SECONDS);

    Collecting handler = new Collecting();
    startSource(topic, group, SourceConfig.StartFrom.LATEST, Map.of(), handler);
    await().atMost(WAIT).until(() -> handler.received.size() >= 4);
    assertEquals(List.of(6L, 7L, 8L, 9L), offsets(handler.received));
  }

  /** Collects what the source hands over; room as the test says. */
  private static final class Collecting implements MessageHandler {
    final List<ReceivedMessage> received = new CopyOnWriteArrayList<>();
    volatile BooleanSupplier room = () -> true;

    @Override
    public void onMessage(ReceivedMessage message) {
      received.add(message);
    }

    @Override
    public boolean hasRoom() {
      return room.getAsBoolean();
    }
  }

  private void startSource(String topic, String group, SourceConfig.StartFrom startFrom, Map<String, String> properties,
      MessageHandler handler) {
    SourceConfig.Kafka config = new SourceConfig.Kafka(List.of(topic), Optional.empty(), group, startFrom, properties);
    KafkaSource source = new KafkaSource(unique("route"), config, cluster);
    toClose.add(source);
    source.start(handler);
  }

  private static void produce(String topic, int partition, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      producer.send(new ProducerRecord<>(topic, partition, null, ("m" + i).getBytes(StandardCharsets.UTF_8)))
          .get(30, TimeUnit.SECONDS);
    }
  }

  private static int members(String group) throws Exception {
    ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
        .get(10, TimeUnit.SECONDS).get(group);
    return description.members().size();
  }

  private static long committedOffset(String group, TopicPartition partition) {
    try {
      OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
          .get(10, TimeUnit.SECONDS).get(partition);
      return committed == null ? -1 : committed.offset();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static SourcePosition.Kafka position(ReceivedMessage message) {
    return (SourcePosition.Kafka) message.message().position();
  }

  private static List<Long> offsets(List<ReceivedMessage> messages) {
    return messages.stream().map(m -> position(m).offset()).toList();
  }

  private static Map<Integer, List<Long>> offsetsByPartition(List<ReceivedMessage> messages) {
    Map<Integer, List<Long>> byPartition = new HashMap<>();
    messages.forEach(m -> byPartition.computeIfAbsent(position(m).partition(), p -> new ArrayList<>())
        .add(position(m).offset()));
    return byPartition;
  }

  private static String unique(String prefix) {
    return prefix + "-" + names.incrementAndGet();
  }
}
