package dev.tracebridge.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.route.ErrorClass;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Sink and source against one real broker: what goes in comes out, in order, and offsets follow acks. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KafkaSourceSinkTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final AtomicInteger names = new AtomicInteger();

  private static EmbeddedKafka kafka;
  private static KafkaClusterConfig cluster;
  private static Admin admin;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start();
    cluster = new KafkaClusterConfig(kafka.bootstrapServers(), Map.of());
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  @AfterAll
  static void stopBroker() {
    admin.close();
    kafka.close();
  }

  @AfterEach
  void closeEndpoints() throws Exception {
    Collections.reverse(toClose);
    for (AutoCloseable closeable : toClose) {
      closeable.close();
    }
  }

  @Test
  void roundTripKeepsPayloadKeyAndHeadersByteExact() throws Exception {
    String topic = unique("roundtrip");
    kafka.createTopic(topic, 1);
    MessageHeaders headers = MessageHeaders.builder()
        .add("binary", new byte[] {0, (byte) 0xff, (byte) 0x80, '\r', '\n', 0x7f})
        .add("null-value", (byte[]) null)
        .add("retry-count", "1")
        .add("padded", "  leading and trailing  ")
        .add("retry-count", "2")
        .add("empty-value", new byte[0])
        .add("non-ascii", "grüße ✓")
        .add("retry-count", "3")
        .build();
    byte[] binaryPayload = {0, 1, (byte) 0xfe, (byte) 0xff, 10, 13};
    List<OutboundMessage> sent = List.of(
        new OutboundMessage(topic, null, binaryPayload, headers, null),
        new OutboundMessage(topic, bytes("key-1"), null, MessageHeaders.empty(), null),
        new OutboundMessage(topic, new byte[0], new byte[0], headers, null));

    KafkaSink sink = startSink();
    List<SendReceipt> receipts = new ArrayList<>();
    for (OutboundMessage message : sent) {
      receipts.add(sink.send(message).get(30, TimeUnit.SECONDS));
    }
    List<ReceivedMessage> received = startSource(topic, unique("group")).received;
    await().atMost(WAIT).until(() -> received.size() == sent.size());

    for (int i = 0; i < sent.size(); i++) {
      OutboundMessage expected = sent.get(i);
      BridgeMessage actual = received.get(i).message();
      assertArrayEquals(expected.payload(), actual.payload(), "payload of message " + i);
      assertArrayEquals(expected.key(), actual.key(), "key of message " + i);
      assertEquals(expected.headers().asList(), actual.headers().asList(), "headers of message " + i);
      SourcePosition.Kafka position = (SourcePosition.Kafka) actual.position();
      assertEquals(topic, position.topic());
      assertEquals(receipts.get(i).partition().getAsInt(), position.partition());
      assertEquals(receipts.get(i).offset().getAsLong(), position.offset());
      assertTrue(position.timestamp() > 0, "record timestamp is carried");
    }
    assertNull(received.get(0).message().key(), "a null key stays null");
    assertNull(received.get(1).message().payload(), "a tombstone stays a null value");
    assertArrayEquals(new byte[0], received.get(2).message().payload(), "an empty value stays empty, not null");
    Header nullHeader = received.get(0).message().headers().first("null-value").orElseThrow();
    assertNull(nullHeader.value(), "a null header value stays null");
    assertArrayEquals(new byte[0], received.get(0).message().headers().first("empty-value").orElseThrow().value());
  }

  @Test
  void keepsTheOrderOfEachPartition() throws Exception {
    String topic = unique("order");
    kafka.createTopic(topic, 3);
    int count = 1000;
    KafkaSink sink = startSink();
    Map<String, List<Integer>> sentPerKey = new HashMap<>();
    List<CompletableFuture<SendReceipt>> receipts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String key = "key-" + (i % 7);
      sentPerKey.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
      receipts.add(sink.send(new OutboundMessage(topic, bytes(key), bytes(String.valueOf(i)), MessageHeaders.empty(), null)));
    }
    CompletableFuture.allOf(receipts.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

    List<ReceivedMessage> received = startSource(topic, unique("group")).received;
    await().atMost(WAIT).until(() -> received.size() == count);

    Map<String, List<Integer>> receivedPerKey = received.stream().map(ReceivedMessage::message).collect(
        Collectors.groupingBy(m -> string(m.key()), Collectors.mapping(m -> Integer.valueOf(string(m.payload())),
            Collectors.toList())));
    assertEquals(sentPerKey, receivedPerKey, "every message once, in send order per key");
    Map<Integer, List<Long>> offsetsPerPartition = received.stream().map(m -> (SourcePosition.Kafka) m.message().position())
        .collect(Collectors.groupingBy(SourcePosition.Kafka::partition,
            Collectors.mapping(SourcePosition.Kafka::offset, Collectors.toList())));
    assertEquals(3, offsetsPerPartition.size(), "the keys spread over all partitions");
    offsetsPerPartition.forEach((partition, offsets) ->
        assertEquals(offsets.stream().sorted().toList(), offsets, "offsets of partition " + partition + " in order"));
  }

  @Test
  void commitsOnlyTheAcknowledgedPrefixAndResumesAtTheFirstGap() throws Exception {
    String topic = unique("commit");
    String group = unique("group");
    kafka.createTopic(topic, 1);
    sendNumbered(topic, 10);

    CollectingSource first = startSource(topic, group);
    await().atMost(WAIT).until(() -> first.received.size() == 10);
    // Out of order, with offset 3 never acknowledged.
    for (int offset : new int[] {5, 2, 0, 9, 4, 1, 6, 8, 7}) {
      first.received.get(offset).acknowledgement().ack();
    }
    // The periodic asynchronous commit, while the source still runs.
    await().atMost(WAIT).until(() -> committedOffset(group, topic) == 3L);
    first.source.close();
    assertEquals(3L, committedOffset(group, topic), "close commits nothing beyond the gap");

    CollectingSource second = startSource(topic, group);
    await().atMost(WAIT).until(() -> second.received.size() == 7);
    assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L, 9L), offsets(second.received), "resumes exactly at the gap");
  }

  @Test
  void abandonedMessageKeepsItsOffsetUncommitted() throws Exception {
    String topic = unique("abandon");
    String group = unique("group");
    kafka.createTopic(topic, 1);
    sendNumbered(topic, 5);

    CollectingSource first = startSource(topic, group);
    await().atMost(WAIT).until(() -> first.received.size() == 5);
    first.received.get(0).acknowledgement().ack();
    first.received.get(1).acknowledgement().abandon();
    for (int offset = 2; offset < 5; offset++) {
      first.received.get(offset).acknowledgement().ack();
    }
    first.source.close();
    assertEquals(1L, committedOffset(group, topic));

    CollectingSource second = startSource(topic, group);
    await().atMost(WAIT).until(() -> second.received.size() == 4);
    assertEquals(List.of(1L, 2L, 3L, 4L), offsets(second.received));
  }

  @Test
  void stopHandsOutNothingNewButStillCommitsLateAcks() throws Exception {
    String topic = unique("stop");
    String group = unique("group");
    kafka.createTopic(topic, 1);
    sendNumbered(topic, 3);
    CollectingSource source = startSource(topic, group);
    await().atMost(WAIT).until(() -> source.received.size() == 3);

    source.source.stop();
    sendNumbered(topic, 3);
    source.received.forEach(m -> m.acknowledgement().ack());
    await().atMost(WAIT).until(() -> committedOffset(group, topic) == 3L);
    // The new records are in the partition and a running consumer would get them within a poll or two.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> source.received.size() == 3);
  }

  @Test
  void sendFailuresCompleteTheFutureInsteadOfThrowing() {
    // The size check comes after the topic's metadata, which may take longer than the 1 s default here.
    KafkaSink sink = new KafkaSink(unique("sink"), Map.of("max.request.size", "1024", "max.block.ms", "30000"), cluster);
    toClose.add(sink);
    OutboundMessage tooLarge = new OutboundMessage(unique("large"), null, new byte[4096], MessageHeaders.empty(), null);

    ExecutionException notStarted = assertThrows(ExecutionException.class, () -> sink.send(tooLarge).get());
    assertInstanceOf(IllegalStateException.class, notStarted.getCause());
    sink.start();
    ExecutionException rejected = assertThrows(ExecutionException.class, () -> sink.send(tooLarge).get(30, TimeUnit.SECONDS));
    assertInstanceOf(RecordTooLargeException.class, rejected.getCause());
    assertEquals(ErrorClass.MESSAGE, sink.classify(rejected), "too large is the message's fault");
  }

  private record CollectingSource(KafkaSource source, List<ReceivedMessage> received) {
  }

  private CollectingSource startSource(String topic, String group) {
    SourceConfig.Kafka config = new SourceConfig.Kafka(List.of(topic), Optional.empty(), group,
        SourceConfig.StartFrom.EARLIEST, Map.of());
    KafkaSource source = new KafkaSource(unique("route"), config, cluster);
    toClose.add(source);
    List<ReceivedMessage> received = new CopyOnWriteArrayList<>();
    source.start(received::add);
    return new CollectingSource(source, received);
  }

  /**
   * A sink that writes test data: it may wait for metadata as long as Kafka's default allows, so that a
   * slow first metadata fetch on a loaded machine does not fail the fixture (the bridge's own 1 s default
   * is the route's business, tested elsewhere).
   */
  private KafkaSink startSink() {
    KafkaSink sink = new KafkaSink(unique("sink"), Map.of("max.block.ms", "30000"), cluster);
    toClose.add(sink);
    sink.start();
    return sink;
  }

  private void sendNumbered(String topic, int count) throws Exception {
    KafkaSink sink = startSink();
    for (int i = 0; i < count; i++) {
      sink.send(new OutboundMessage(topic, null, bytes("m" + i), MessageHeaders.empty(), null)).get(30, TimeUnit.SECONDS);
    }
  }

  private static long committedOffset(String group, String topic) throws Exception {
    OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
        .get(10, TimeUnit.SECONDS).get(new TopicPartition(topic, 0));
    return committed == null ? -1 : committed.offset();
  }

  private static List<Long> offsets(List<ReceivedMessage> messages) {
    return messages.stream().map(m -> ((SourcePosition.Kafka) m.message().position()).offset()).toList();
  }

  private static String unique(String prefix) {
    return prefix + "-" + names.incrementAndGet();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String string(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
