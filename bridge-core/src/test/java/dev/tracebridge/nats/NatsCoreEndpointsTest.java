package dev.tracebridge.nats;

import static dev.tracebridge.nats.TestMessages.assertSameHeaders;
import static dev.tracebridge.nats.TestMessages.awkwardHeaders;
import static dev.tracebridge.nats.TestMessages.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
class NatsCoreEndpointsTest {

  private static NatsServers server;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeAll
  static void startServer() {
    server = NatsServers.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @AfterEach
  void closeEndpoints() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private static NatsClusterConfig cluster(String url) {
    return NatsClusterConfig.of(List.of(url));
  }

  private NatsCoreSource source(String url, String subject, CollectingHandler handler) {
    NatsCoreSource source =
        new NatsCoreSource("test", new SourceConfig.Nats(subject, Optional.empty()), cluster(url), InFlightConfig.DEFAULT);
    toClose.add(source);
    source.start(handler);
    return source;
  }

  private NatsSink sink(String url) {
    NatsSink sink = new NatsSink("test-sink", cluster(url), InFlightConfig.DEFAULT);
    toClose.add(sink);
    sink.start();
    return sink;
  }

  private static OutboundMessage message(String subject, byte[] payload, MessageHeaders headers) {
    return new OutboundMessage(subject, null, payload, headers, null);
  }

  @Test
  void relaysPayloadAndHeadersByteForByte() throws Exception {
    CollectingHandler handler = CollectingHandler.acking();
    NatsCoreSource source = source(server.url(), "core.bytes.>", handler);
    NatsSink sink = sink(server.url());
    await().atMost(Duration.ofSeconds(5)).until(() -> source.isConnected() && sink.isConnected());

    byte[] binary = {0, 1, 2, (byte) 0xff, '\r', '\n', ' '};
    MessageHeaders headers = awkwardHeaders();
    SendReceipt receipt = sink.send(message("core.bytes.one", binary, headers)).get(5, TimeUnit.SECONDS);
    sink.send(message("core.bytes.two", null, MessageHeaders.empty())).get(5, TimeUnit.SECONDS);

    assertEquals(SendReceipt.nats("core.bytes.one"), receipt);
    await().atMost(Duration.ofSeconds(5)).until(() -> handler.size() == 2);
    BridgeMessage first = handler.messages().get(0);
    assertArrayEquals(binary, first.payload());
    assertSameHeaders(headers, first.headers());
    assertEquals("core.bytes.one", ((SourcePosition.Nats) first.position()).subject());
    BridgeMessage second = handler.messages().get(1);
    assertArrayEquals(new byte[0], second.payload(), "a null payload goes as an empty one");
    assertTrue(second.headers().isEmpty());
  }

  @Test
  void relaysAThousandMessagesInOrderAndConfirmsEachAfterAFlush() throws Exception {
    CollectingHandler handler = CollectingHandler.acking();
    NatsCoreSource source = source(server.url(), "core.order", handler);
    NatsSink sink = sink(server.url());
    await().atMost(Duration.ofSeconds(5)).until(() -> source.isConnected() && sink.isConnected());

    List<CompletableFuture<SendReceipt>> futures = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      futures.add(sink.send(message("core.order", bytes("m-" + i), MessageHeaders.builder().add("i", "" + i).build())));
    }
    sink.flush(Duration.ofSeconds(10));
    for (CompletableFuture<SendReceipt> f : futures) {
      assertTrue(f.isDone() && !f.isCompletedExceptionally());
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> handler.size() == 1000);
    List<BridgeMessage> messages = handler.messages();
    for (int i = 0; i < 1000; i++) {
      assertArrayEquals(bytes("m-" + i), messages.get(i).payload());
      assertEquals("" + i, messages.get(i).headers().firstString("i").orElseThrow());
      assertEquals(i + 1, ((SourcePosition.Nats) messages.get(i).position()).localSequence());
    }
  }

  @Test
  void setsNatsMsgIdWhenTheMessageHasAnId() throws Exception {
    CollectingHandler handler = CollectingHandler.acking();
    NatsCoreSource source = source(server.url(), "core.msgid", handler);
    NatsSink sink = sink(server.url());
    await().atMost(Duration.ofSeconds(5)).until(() -> source.isConnected() && sink.isConnected());

    sink.send(new OutboundMessage("core.msgid", null, bytes("x"), MessageHeaders.empty(), "orders-3-1234"))
        .get(5, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(5)).until(() -> handler.size() == 1);
    assertEquals(Optional.of("orders-3-1234"), handler.messages().get(0).headers().firstString("Nats-Msg-Id"));
  }

  @Test
  void invalidSubjectAndOversizeMessageFailTheirFutureWithoutThrowing() {
    NatsSink sink = sink(server.url());
    await().atMost(Duration.ofSeconds(5)).until(sink::isConnected);

    CompletableFuture<SendReceipt> badSubject = sink.send(message("has space", bytes("x"), MessageHeaders.empty()));
    CompletableFuture<SendReceipt> tooBig = sink.send(message("core.big", new byte[2 * 1024 * 1024], MessageHeaders.empty()));

    ExecutionException e1 = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> badSubject.get(5, TimeUnit.SECONDS));
    assertInstanceOf(IllegalArgumentException.class, e1.getCause());
    ExecutionException e2 = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> tooBig.get(5, TimeUnit.SECONDS));
    assertInstanceOf(IllegalArgumentException.class, e2.getCause());
  }

  @Test
  void anInvalidSubjectIsReportedAsFatal() {
    NatsCoreSource source = new NatsCoreSource("bad", new SourceConfig.Nats("bad subject", Optional.empty()),
        cluster(server.url()), InFlightConfig.DEFAULT);
    toClose.add(source);
    List<Throwable> fatal = new java.util.concurrent.CopyOnWriteArrayList<>();
    source.onFatalError(fatal::add);
    source.start(CollectingHandler.acking());

    await().atMost(Duration.ofSeconds(5)).until(() -> fatal.size() == 1);
    assertInstanceOf(IllegalArgumentException.class, fatal.get(0));
    assertFalse(source.isConnected());
  }

  @Test
  void queueGroupMembersShareTheMessages() throws Exception {
    CollectingHandler a = CollectingHandler.acking();
    CollectingHandler b = CollectingHandler.acking();
    SourceConfig.Nats config = new SourceConfig.Nats("core.queue", Optional.of("bridges"));
    NatsCoreSource sourceA = new NatsCoreSource("qa", config, cluster(server.url()), InFlightConfig.DEFAULT);
    NatsCoreSource sourceB = new NatsCoreSource("qb", config, cluster(server.url()), InFlightConfig.DEFAULT);
    toClose.add(sourceA);
    toClose.add(sourceB);
    sourceA.start(a);
    sourceB.start(b);
    NatsSink sink = sink(server.url());
    await().atMost(Duration.ofSeconds(5)).until(() -> sourceA.isConnected() && sourceB.isConnected() && sink.isConnected());

    for (int i = 0; i < 200; i++) {
      sink.send(message("core.queue", bytes("q-" + i), MessageHeaders.empty()));
    }
    sink.flush(Duration.ofSeconds(5));

    await().atMost(Duration.ofSeconds(5)).until(() -> a.size() + b.size() == 200);
    assertTrue(a.size() > 0 && b.size() > 0, "both members got a share: " + a.size() + "/" + b.size());
  }

  @Test
  void waitsForALateServerAndSurvivesItsRestart() throws Exception {
    int port = NatsServers.freePort();
    String url = "nats://127.0.0.1:" + port;
    CollectingHandler handler = CollectingHandler.acking();
    NatsCoreSource source = source(url, "core.late", handler);
    NatsSink sink = sink(url);

    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> !source.isConnected() && !sink.isConnected());
    CompletableFuture<SendReceipt> early = sink.send(message("core.late", bytes("too early"), MessageHeaders.empty()));
    assertTrue(early.isCompletedExceptionally(), "no connection yet: the send fails, it does not throw");

    try (NatsServers late = NatsServers.start(port)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> source.isConnected() && sink.isConnected());
      sink.send(message("core.late", bytes("before restart"), MessageHeaders.empty())).get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> handler.size() == 1);

      late.restart();
      await().atMost(Duration.ofSeconds(15)).until(() -> source.isConnected() && sink.isConnected());
      sink.send(message("core.late", bytes("after restart"), MessageHeaders.empty())).get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> handler.size() == 2);
      assertArrayEquals(bytes("after restart"), handler.messages().get(1).payload());
    }
    assertFalse(handler.messages().stream().anyMatch(m -> new String(m.payload()).equals("too early")));
  }
}
