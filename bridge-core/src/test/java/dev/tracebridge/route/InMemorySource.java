package dev.tracebridge.route;

import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A source the test feeds by hand, with the rules of a real one: its own consuming thread hands messages
 * over only while the route {@linkplain MessageHandler#hasRoom has room}, and it records how each message
 * was settled. Messages are Kafka-shaped ({@code in/<lane>@<seq>}) with the payload {@code <lane>:<seq>}.
 */
final class InMemorySource implements Source {

  private final LinkedBlockingQueue<ReceivedMessage> backlog = new LinkedBlockingQueue<>();
  private final Map<String, AtomicInteger> nextSeq = new ConcurrentHashMap<>();
  private final Set<String> revokedLanes = ConcurrentHashMap.newKeySet();
  final List<String> handedOver = new CopyOnWriteArrayList<>();
  final List<String> acked = new CopyOnWriteArrayList<>();
  final List<String> abandoned = new CopyOnWriteArrayList<>();
  /** Set each time the source found the route without room: the consuming thread paused. */
  final AtomicInteger pauses = new AtomicInteger();
  private volatile boolean stopped;
  private volatile boolean closed;
  private volatile boolean connected;
  private Thread thread;

  /** Queues messages {@code <lane>:<n>} for each lane, numbered on from what that lane had. */
  void offer(String lane, int count) {
    for (int i = 0; i < count; i++) {
      int seq = nextSeq.computeIfAbsent(lane, l -> new AtomicInteger()).getAndIncrement();
      String id = lane + ":" + seq;
      BridgeMessage message = new BridgeMessage(id.getBytes(StandardCharsets.UTF_8), null, MessageHeaders.empty(),
          new SourcePosition.Kafka("in", Math.abs(lane.hashCode() % 100), seq, 0));
      backlog.add(ReceivedMessage.of(message, lane, new RecordingAck(id, lane)));
    }
  }

  /** Queues messages with these payloads in one lane, in this order. */
  void offerPayloads(String lane, java.util.List<String> payloads) {
    for (String payload : payloads) {
      int seq = nextSeq.computeIfAbsent(lane, l -> new AtomicInteger()).getAndIncrement();
      BridgeMessage message = new BridgeMessage(payload.getBytes(StandardCharsets.UTF_8), null, MessageHeaders.empty(),
          new SourcePosition.Kafka("in", 0, seq, 0));
      backlog.add(ReceivedMessage.of(message, lane, new RecordingAck(payload, lane)));
    }
  }

  /** From now on every message of the lane reports itself revoked, as after a Kafka rebalance. */
  void revoke(String lane) {
    revokedLanes.add(lane);
  }

  @Override
  public void start(MessageHandler handler) {
    connected = true;
    thread = new Thread(() -> consume(handler), "in-memory-source");
    thread.setDaemon(true);
    thread.start();
  }

  private void consume(MessageHandler handler) {
    boolean paused = false;
    while (!stopped) {
      if (!handler.hasRoom()) {
        if (!paused) {
          pauses.incrementAndGet();
          paused = true;
        }
        LockSupportPause.pause();
        continue;
      }
      paused = false;
      try {
        ReceivedMessage next = backlog.poll(10, TimeUnit.MILLISECONDS);
        if (next != null && !stopped) {
          handedOver.add(id(next));
          handler.onMessage(next);
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static String id(ReceivedMessage m) {
    return new String(m.message().payload(), StandardCharsets.UTF_8);
  }

  @Override
  public boolean isConnected() {
    return connected && !closed;
  }

  @Override
  public void stop() {
    stopped = true;
  }

  @Override
  public void close() {
    stopped = true;
    closed = true;
  }

  boolean isClosed() {
    return closed;
  }

  List<String> settled() {
    List<String> all = new ArrayList<>(acked);
    all.addAll(abandoned);
    return all;
  }

  private final class RecordingAck implements Acknowledgement {
    private final String id;
    private final String lane;
    private final AtomicInteger settlements = new AtomicInteger();

    RecordingAck(String id, String lane) {
      this.id = id;
      this.lane = lane;
    }

    @Override
    public void ack() {
      if (settlements.incrementAndGet() != 1) {
        throw new AssertionError(id + " settled twice");
      }
      acked.add(id);
    }

    @Override
    public void abandon() {
      if (settlements.incrementAndGet() != 1) {
        throw new AssertionError(id + " settled twice");
      }
      abandoned.add(id);
    }

    @Override
    public boolean isRevoked() {
      return revokedLanes.contains(lane);
    }
  }

  /** The consuming thread's short wait while paused, as a Kafka poll with paused partitions would take. */
  private static final class LockSupportPause {
    static void pause() {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
