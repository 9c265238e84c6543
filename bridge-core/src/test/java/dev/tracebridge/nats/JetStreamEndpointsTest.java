package dev.tracebridge.nats;

import static dev.tracebridge.nats.TestMessages.assertSameHeaders;
import static dev.tracebridge.nats.TestMessages.awkwardHeaders;
import static dev.tracebridge.nats.TestMessages.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.InFlightConfig;
import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.testkit.NatsServers;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class JetStreamEndpointsTest {

  private static NatsServers server;
  private static Connection admin;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void startServer() throws Exception {
    server = NatsServers.start();
    admin = Nats.connect(server.url());
  }

  @AfterAll
  static void stopServer() throws Exception {
    admin.close();
    server.close();
  }

  @AfterEach
  void closeEndpoints() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  static void createStream(Connection connection, String stream, String subjects) throws Exception {
    JetStreamManagement jsm = connection.jetStreamManagement();
    jsm.addStream(StreamConfiguration.builder().name(stream).subjects(subjects).storageType(StorageType.File).build());
  }

  private static NatsClusterConfig cluster() {
    return NatsClusterConfig.of(List.of(server.url()));
  }

  private JetStreamSource source(String stream, String durable, CollectingHandler handler, Duration ackWait) {
    JetStreamSource source = new JetStreamSource("test",
        new SourceConfig.JetStream(stream, Optional.empty(), durable), cluster(), 1000, ackWait);
    toClose.add(source);
    source.start(handler);
    return source;
  }

  private JetStreamSink sink() {
    JetStreamSink sink = new JetStreamSink("test-sink", cluster(), InFlightConfig.DEFAULT);
    toClose.add(sink);
    sink.start();
    return sink;
  }

  private static OutboundMessage message(String subject, String payload, String messageId) {
    return new OutboundMessage(subject, null, bytes(payload), MessageHeaders.empty(), messageId);
  }

  private static long sequence(BridgeMessage m) {
    return ((SourcePosition.JetStream) m.position()).streamSequence();
  }

  private static long deliveredCount(BridgeMessage m) {
    return ((SourcePosition.JetStream) m.position()).deliveredCount();
  }

  @Test
  void relaysAThousandMessagesInOrderWithExactPayloadsAndHeaders() throws Exception {
    createStream(admin, "ROUNDTRIP", "rt.>");
    CollectingHandler handler = CollectingHandler.acking();
    JetStreamSource source = source("ROUNDTRIP", "rt-durable", handler, JetStreamSource.DEFAULT_ACK_WAIT);
    JetStreamSink sink = sink();
    await().atMost(Duration.ofSeconds(10)).until(() -> source.isConnected() && sink.isConnected());

    MessageHeaders headers = awkwardHeaders();
    byte[] binary = {0, (byte) 0x80, (byte) 0xff, '\n', ' '};
    List<CompletableFuture<SendReceipt>> receipts = new ArrayList<>();
    receipts.add(sink.send(new OutboundMessage("rt.first", null, binary, headers, "id-0")));
    for (int i = 1; i < 1000; i++) {
      receipts.add(sink.send(new OutboundMessage("rt.n", null, bytes("m-" + i),
          MessageHeaders.builder().add("i", "" + i).build(), "id-" + i)));
    }
    sink.flush(Duration.ofSeconds(10));
    for (int i = 0; i < 1000; i++) {
      SendReceipt r = receipts.get(i).get(0, TimeUnit.SECONDS);
      assertEquals(i + 1, r.offset().orElseThrow(), "stream sequence of publish " + i);
      assertEquals("id-" + i, r.messageId());
      assertFalse(r.duplicate());
    }

    await().atMost(Duration.ofSeconds(15)).until(() -> handler.size() == 1000);
    List<BridgeMessage> messages = handler.messages();
    BridgeMessage first = messages.get(0);
    assertArrayEquals(binary, first.payload());
    MessageHeaders withoutMsgId = first.headers().toBuilder().remove("Nats-Msg-Id").build();
    assertSameHeaders(headers, withoutMsgId);
    assertEquals(Optional.of("id-0"), first.headers().firstString("Nats-Msg-Id"));
    assertEquals(new SourcePosition.JetStream("rt.first", "ROUNDTRIP", 1, 1,
        ((SourcePosition.JetStream) first.position()).timestampMillis()), first.position());
    assertTrue(Math.abs(System.currentTimeMillis() - ((SourcePosition.JetStream) first.position()).timestampMillis())
        < 60_000, "the stream's timestamp, in epoch milliseconds");
    for (int i = 1; i < 1000; i++) {
      assertArrayEquals(bytes("m-" + i), messages.get(i).payload());
      assertEquals(i + 1, sequence(messages.get(i)));
      assertEquals(Optional.of("" + i), messages.get(i).headers().firstString("i"));
    }
    await().atMost(Duration.ofSeconds(5)).until(() ->
        admin.jetStreamManagement().getConsumerInfo("ROUNDTRIP", "rt-durable").getAckFloor().getStreamSequence() == 1000);
  }

  @Test
  void unacknowledgedMessagesComeBackToTheNextSourceWithTheSameDurable() throws Exception {
    createStream(admin, "REDELIVER", "redeliver.>");
    JetStreamSink sink = sink();
    await().atMost(Duration.ofSeconds(10)).until(sink::isConnected);
    for (int i = 1; i <= 5; i++) {
      sink.send(message("redeliver.x", "r-" + i, null));
    }
    sink.flush(Duration.ofSeconds(5));

    CollectingHandler first = CollectingHandler.ackingOnly(m -> sequence(m.message()) <= 2);
    JetStreamSource crashed = source("REDELIVER", "redeliver-durable", first, Duration.ofSeconds(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> first.size() == 5);
    await().atMost(Duration.ofSeconds(5)).until(() ->
        admin.jetStreamManagement().getConsumerInfo("REDELIVER", "redeliver-durable").getAckFloor().getStreamSequence() == 2);
    crashed.close();

    CollectingHandler second = CollectingHandler.acking();
    source("REDELIVER", "redeliver-durable", second, Duration.ofSeconds(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> second.size() >= 3);
    await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> second.size() == 3);
    assertEquals(List.of(3L, 4L, 5L), second.messages().stream().map(JetStreamEndpointsTest::sequence).toList());
    assertTrue(second.messages().stream().allMatch(m -> deliveredCount(m) >= 2), "these are redeliveries");
  }

  @Test
  void abandonedMessageIsRedeliveredAtOnce() throws Exception {
    createStream(admin, "ABANDON", "abandon.>");
    JetStreamSink sink = sink();
    await().atMost(Duration.ofSeconds(10)).until(sink::isConnected);
    for (int i = 1; i <= 3; i++) {
      sink.send(message("abandon.x", "a-" + i, null));
    }
    sink.flush(Duration.ofSeconds(5));

    // abandons the first delivery of sequence 2, acks everything else; AckWait is far away
    CollectingHandler handler = CollectingHandler.ackingOrAbandoning(
        m -> sequence(m.message()) != 2 || deliveredCount(m.message()) > 1);
    source("ABANDON", "abandon-durable", handler, JetStreamSource.DEFAULT_ACK_WAIT);

    await().atMost(Duration.ofSeconds(10)).until(() -> handler.size() == 4);
    BridgeMessage redelivered = handler.messages().get(3);
    assertEquals(2, sequence(redelivered));
    assertEquals(2, deliveredCount(redelivered));
    assertArrayEquals(bytes("a-2"), redelivered.payload());
  }

  @Test
  void sameMessageIdIsStoredOnceAndTheReceiptSaysDuplicate() throws Exception {
    createStream(admin, "DEDUP", "dedup.>");
    JetStreamSink sink = sink();
    await().atMost(Duration.ofSeconds(10)).until(sink::isConnected);

    SendReceipt original = sink.send(message("dedup.x", "once", "orders-0-42")).get(5, TimeUnit.SECONDS);
    SendReceipt again = sink.send(message("dedup.x", "once", "orders-0-42")).get(5, TimeUnit.SECONDS);

    assertFalse(original.duplicate());
    assertTrue(again.duplicate());
    assertEquals(original.offset(), again.offset());
    assertEquals(1, admin.jetStreamManagement().getStreamInfo("DEDUP").getStreamState().getMsgCount());
  }

  @Test
  void publishWithoutAStreamFailsTheFuture() {
    JetStreamSink sink = sink();
    await().atMost(Duration.ofSeconds(10)).until(sink::isConnected);

    CompletableFuture<SendReceipt> noStream = sink.send(message("nostream.x", "lost?", null));

    assertThrows(ExecutionException.class, () -> noStream.get(10, TimeUnit.SECONDS));
  }

  @Test
  void waitsForAMissingStreamAndThenConsumes() throws Exception {
    CollectingHandler handler = CollectingHandler.acking();
    JetStreamSource source = source("LATER", "later-durable", handler, JetStreamSource.DEFAULT_ACK_WAIT);
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !source.isConnected());

    createStream(admin, "LATER", "later.>");
    admin.jetStream().publish("later.x", bytes("finally"));

    await().atMost(Duration.ofSeconds(10)).until(() -> source.isConnected() && handler.size() == 1);
    assertArrayEquals(bytes("finally"), handler.messages().get(0).payload());
  }
}
