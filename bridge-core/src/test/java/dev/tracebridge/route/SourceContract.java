package dev.tracebridge.route;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rules every {@link Source} keeps, whatever its broker: one suite, run by one subclass per endpoint
 * kind (and by the in-memory source the engine tests use), so that the engine can rely on them.
 *
 * <p>A subclass supplies a fresh position (topic, subject, stream) per test, a way to publish into it and
 * a source reading it; sources made twice for one position share their progress (a Kafka group, a
 * JetStream durable), as two runs of a bridge do.
 */
@Timeout(90)
public abstract class SourceContract {

  protected static final Duration WAIT = Duration.ofSeconds(30);

  private final List<Source> opened = new ArrayList<>();

  /** Makes a new position (topic, subject, stream) for this test; called before each test. */
  protected abstract void newPosition() throws Exception;

  /** Publishes payloads, in this order, into the position's one lane. */
  protected abstract void publish(List<String> payloads) throws Exception;

  /** A source reading the position; a second one for the same position shares the first one's progress. */
  protected abstract Source newSource() throws Exception;

  /** Whether the broker keeps messages until acknowledged (Kafka, JetStream) or not (core NATS). */
  protected abstract boolean redelivers();

  @BeforeEach
  void position() throws Exception {
    newPosition();
  }

  @AfterEach
  void closeSources() {
    opened.forEach(Source::close);
  }

  private Recorder start(Recorder recorder) throws Exception {
    Source source = newSource();
    opened.add(source);
    recorder.source = source;
    source.start(recorder);
    await().atMost(WAIT).until(source::isConnected);
    return recorder;
  }

  private static List<String> payloads(String prefix, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  @Test
  void handsOverEveryMessageOnceInPublishOrderWithOneLane() throws Exception {
    Recorder recorder = start(new Recorder(true));
    publish(payloads("m", 300));
    await().atMost(WAIT).until(() -> recorder.payloads().size() >= 300);
    assertEquals(payloads("m", 300), recorder.payloads());
    assertEquals(1, Set.copyOf(recorder.lanes).size(), "one lane for one partition or subject");
  }

  @Test
  void stopsFetchingWhileTheRouteHasNoRoomAndResumesWhenItHas() throws Exception {
    Recorder recorder = start(new Recorder(true));
    recorder.room.set(false);
    publish(payloads("p", 2000));
    // a source may hand over what one fetch had already returned, never the whole backlog
    await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> recorder.payloads().size() < 2000);
    recorder.room.set(true);
    await().atMost(WAIT).until(() -> recorder.payloads().size() >= 2000);
    assertEquals(payloads("p", 2000), recorder.payloads());
  }

  @Test
  void aNewSourceGetsWhatWasAbandonedButNothingThatWasAcknowledged() throws Exception {
    if (!redelivers()) {
      return; // core NATS keeps nothing: at most once by nature
    }
    Recorder first = start(new Recorder(false));
    publish(payloads("r", 20));
    await().atMost(WAIT).until(() -> first.received.size() >= 20);
    // settled after stop, as a draining route does: a stopped source still takes acknowledgements
    first.source.stop();
    for (int i = 0; i < 20; i++) {
      ReceivedMessage m = first.received.get(i);
      if (i < 10) {
        m.acknowledgement().ack();
      } else {
        m.acknowledgement().abandon();
      }
    }
    first.source.close();
    opened.remove(first.source);
    Recorder second = start(new Recorder(true));
    await().atMost(WAIT).until(() -> new HashSet<>(second.payloads()).containsAll(payloads("r", 20).subList(10, 20)));
    for (String acked : payloads("r", 10)) {
      assertTrue(!second.payloads().contains(acked), acked + " was acknowledged, yet delivered again");
    }
  }

  @Test
  void nothingPublishedAfterStopIsHandedOverAndCloseReturnsPromptly() throws Exception {
    Recorder recorder = start(new Recorder(true));
    publish(payloads("s", 10));
    await().atMost(WAIT).until(() -> recorder.payloads().size() >= 10);
    recorder.source.stop();
    // what a fetch had already returned may still come; nothing published after stop may
    publish(payloads("after", 10));
    await().during(Duration.ofSeconds(1)).atMost(WAIT)
        .until(() -> recorder.payloads().stream().noneMatch(p -> p.startsWith("after")));
    long start = System.nanoTime();
    recorder.source.close();
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(15)) < 0, "close took too long");
  }

  /** A route stand-in: records every message, acks at once when asked to, and has room when told. */
  protected static final class Recorder implements MessageHandler {
    final List<ReceivedMessage> received = new CopyOnWriteArrayList<>();
    final List<String> lanes = new CopyOnWriteArrayList<>();
    final AtomicBoolean room = new AtomicBoolean(true);
    private final boolean ackAtOnce;
    Source source;

    Recorder(boolean ackAtOnce) {
      this.ackAtOnce = ackAtOnce;
    }

    @Override
    public void onMessage(ReceivedMessage message) {
      received.add(message);
      lanes.add(message.lane());
      if (ackAtOnce) {
        message.acknowledgement().ack();
      }
    }

    @Override
    public boolean hasRoom() {
      return room.get();
    }

    List<String> payloads() {
      return received.stream().map(m -> new String(m.message().payload(), StandardCharsets.UTF_8)).toList();
    }
  }
}
