package dev.tracebridge.nats;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.message.SourcePosition;
import dev.tracebridge.route.ReceivedMessage;
import dev.tracebridge.testkit.NatsServers;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fetch ends on the client's clock, the pull request on the server's, which started later by the time
 * the request took to get there. A message the server sends to the pull in between must still be handed
 * over at once, not after the AckWait it would otherwise wait for its redelivery.
 */
@Timeout(60)
class JetStreamFetchExpiryTest {

  private static final Duration ACK_WAIT = Duration.ofSeconds(4); // fetches then expire after 1 s
  private static final int MESSAGES = 80;

  @Test
  void messagesSentAsAFetchExpiresAreHandedOverWithoutWaitingForTheAckWait() throws Exception {
    try (NatsServers server = NatsServers.start();
         Connection publisher = Nats.connect(server.url());
         CuttableProxy slowLink = new CuttableProxy(server.port())) {
      JetStreamEndpointsTest.createStream(publisher, "EXPIRY", "expiry.>");
      CollectingHandler handler = CollectingHandler.acking();
      JetStreamSource source = new JetStreamSource("test",
          new SourceConfig.JetStream("EXPIRY", Optional.empty(), "expiry-durable"),
          NatsClusterConfig.of(List.of(slowLink.url())), 1000, ACK_WAIT);
      ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
      try {
        source.start(handler);
        await().atMost(Duration.ofSeconds(10)).until(source::isConnected);
        // the source's pull requests now reach the server 400 ms after the source sent them
        slowLink.delayClientBytes(400);

        JetStream js = publisher.jetStream();
        Map<Long, Long> publishedNanos = new ConcurrentHashMap<>();
        AtomicInteger published = new AtomicInteger();
        // one message every 25 ms for 2 s: some of them fall in the gap after each fetch's end
        pace.scheduleAtFixedRate(() -> {
          if (published.get() < MESSAGES) {
            try {
              long sent = System.nanoTime();
              publishedNanos.put(js.publish("expiry.a", new byte[] {1}).getSeqno(), sent);
              published.incrementAndGet();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        }, 0, 25, TimeUnit.MILLISECONDS);

        await().atMost(Duration.ofSeconds(30)).until(() -> handler.size() >= MESSAGES);
        for (ReceivedMessage m : handler.received()) {
          long seq = ((SourcePosition.JetStream) m.message().position()).streamSequence();
          long lateMillis = TimeUnit.NANOSECONDS.toMillis(m.receivedNanos() - publishedNanos.get(seq));
          assertTrue(lateMillis < 2_500, "message " + seq + " handed over " + lateMillis + " ms after its publish");
        }
        assertEquals(MESSAGES, handler.messages().stream().map(m -> m.position().uri()).distinct().count());
      } finally {
        pace.shutdownNow();
        source.close();
      }
    }
  }
}
