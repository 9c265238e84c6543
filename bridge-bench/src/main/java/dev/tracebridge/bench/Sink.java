package dev.tracebridge.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Watches the destination and times what arrives. The drain's clock starts when the first message
 * arrives (not when the relay starts, whose JVM start and group join are no part of its throughput) and
 * stops when the last distinct message of the backlog arrived; the relay's CPU time is read at both
 * moments. Messages after the backlog are the paced ones, whose latency it keeps.
 */
final class Sink implements AutoCloseable {

  private final int backlog;
  private final LongSupplier relayCpuMicros;
  private final BitSet seen = new BitSet();
  private int paced;
  private long[] latencies = new long[0];
  private long[] sentAt = new long[0];
  private int backlogSeen;
  private int pacedSeen;
  private long firstNanos;
  private long lastNanos;
  private long firstCpu = -1;
  private long lastCpu = -1;
  private Runnable closer = () -> { };

  Sink(int backlog, LongSupplier relayCpuMicros) {
    this.backlog = backlog;
    this.relayCpuMicros = relayCpuMicros;
  }

  /** Makes room for the latencies of {@code count} paced messages, sent after the backlog. */
  synchronized void expectPaced(int count) {
    paced = count;
    latencies = new long[count];
    sentAt = new long[count];
  }

  /** Subscribes on core NATS; a JetStream destination's subject reaches core subscribers too. */
  Sink watchNats(Connection nats, String subject) {
    Dispatcher dispatcher = nats.createDispatcher(message -> arrived(message.getData(), System.nanoTime()));
    dispatcher.setPendingLimits(10_000_000, 4L << 30);
    dispatcher.subscribe(subject);
    try {
      nats.flush(Duration.ofSeconds(10));
    } catch (Exception e) {
      throw new IllegalStateException("NATS did not confirm the benchmark's subscription", e);
    }
    closer = () -> nats.closeDispatcher(dispatcher);
    return this;
  }

  /** Reads partition 0 of {@code topic} from its beginning on a thread of its own. */
  Sink watchKafka(String bootstrap, String topic) {
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        Map.of("bootstrap.servers", bootstrap, "fetch.max.wait.ms", "100"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    TopicPartition partition = new TopicPartition(topic, 0);
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    Thread thread = new Thread(() -> {
      try (consumer) {
        while (true) {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
          long now = System.nanoTime();
          for (ConsumerRecord<byte[], byte[]> record : records) {
            arrived(record.value(), now);
          }
        }
      } catch (WakeupException e) {
        // close() woke it up: the consumer closes quietly
      }
    }, "bench-kafka-sink");
    thread.setDaemon(true);
    thread.start();
    closer = consumer::wakeup;
    return this;
  }

  private synchronized void arrived(byte[] payload, long now) {
    long seq = Wire.seq(payload);
    if (seq < 0 || seq >= backlog + paced || seen.get((int) seq)) {
      return;
    }
    seen.set((int) seq);
    if (seq < backlog) {
      if (backlogSeen == 0) {
        firstNanos = now;
        firstCpu = relayCpuMicros.getAsLong();
      }
      if (++backlogSeen == backlog) {
        lastNanos = now;
        lastCpu = relayCpuMicros.getAsLong();
      }
    } else {
      sentAt[pacedSeen] = Wire.sentNanos(payload);
      latencies[pacedSeen++] = now - Wire.sentNanos(payload);
    }
    notifyAll();
  }

  /** Waits until the backlog arrived; false when {@code timeout} passed first. */
  synchronized boolean awaitBacklog(Duration timeout) throws InterruptedException {
    return await(() -> backlogSeen == backlog, timeout);
  }

  /** Waits until the paced messages arrived; false when {@code timeout} passed first. */
  synchronized boolean awaitPaced(Duration timeout) throws InterruptedException {
    return await(() -> pacedSeen == paced, timeout);
  }

  private synchronized boolean await(BooleanSupplier done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  synchronized int backlogSeen() {
    return backlogSeen;
  }

  synchronized int pacedSeen() {
    return pacedSeen;
  }

  /** Messages a second from the first to the last arrival of the backlog. */
  synchronized double drainRate() {
    return backlogSeen < backlog || lastNanos == firstNanos ? Double.NaN : (backlog - 1) * 1e9 / (lastNanos - firstNanos);
  }

  /** The relay's CPU microseconds per message over the same interval. */
  synchronized double cpuMicrosPerMessage() {
    return backlogSeen < backlog || firstCpu < 0 || lastCpu < 0 ? Double.NaN : (double) (lastCpu - firstCpu) / (backlog - 1);
  }

  /** The latency quantile {@code q} of the paced messages that arrived, in milliseconds. */
  synchronized double latencyMillis(double q) {
    if (pacedSeen == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(latencies, pacedSeen);
    Arrays.sort(sorted);
    int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }

  /**
   * The {@code count} slowest paced messages as "send time after the first paced send : latency" in ms, in
   * the order sent: periodic stalls (an exporter's batches, collections) show as evenly spaced send times.
   */
  synchronized String slowest(int count) {
    if (pacedSeen == 0) {
      return "";
    }
    long first = Arrays.stream(sentAt, 0, pacedSeen).min().orElse(0);
    return IntStream.range(0, pacedSeen).boxed()
        .sorted((a, b) -> Long.compare(latencies[b], latencies[a])).limit(count)
        .sorted((a, b) -> Long.compare(sentAt[a], sentAt[b]))
        .map(i -> String.format(Locale.ROOT, "%d:%.0f", (sentAt[i] - first) / 1_000_000, latencies[i] / 1e6))
        .collect(Collectors.joining(" "));
  }

  @Override
  public void close() {
    closer.run();
  }
}
