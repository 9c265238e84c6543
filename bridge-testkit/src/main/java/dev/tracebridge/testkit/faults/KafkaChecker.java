package dev.tracebridge.testkit.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a Kafka destination (or dead letter) topic from its beginning to its current end with a
 * consumer of its own (assigned partitions, no group), so that reading changes nothing the bridge sees.
 * Order is checked per destination partition and source lane.
 */
public final class KafkaChecker implements Checker {

  private final String bootstrapServers;
  private final String topic;
  private final int partitions;
  private final String run;
  private Admin admin;

  public KafkaChecker(String bootstrapServers, String topic, int partitions, String run) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.partitions = partitions;
    this.run = run;
  }

  @Override
  public synchronized long progress() {
    try {
      return endOffsets().values().stream().mapToLong(Long::longValue).sum();
    } catch (Exception e) {
      closeAdmin(); // the broker may be restarting; a fresh client next time
      return -1;
    }
  }

  @Override
  public Arrivals readAll() {
    Arrivals arrivals = new Arrivals();
    Map<TopicPartition, Long> ends;
    synchronized (this) {
      try {
        ends = endOffsets();
      } catch (Exception e) {
        closeAdmin();
        throw new IllegalStateException("cannot read the end offsets of " + topic, e);
      }
    }
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    props.put("enable.auto.commit", "false");
    props.put("max.poll.records", "5000");
    try (KafkaConsumer<byte[], byte[]> consumer =
             new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> assigned = List.copyOf(ends.keySet());
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!caughtUp(consumer, ends)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end within 120 s");
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          Stamp stamp = Stamp.parse(record.value(), run);
          if (stamp != null) {
            arrivals.arrived("p" + record.partition() + "/" + stamp.lane(), stamp);
          }
        }
      }
    }
    return arrivals;
  }

  private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      if (consumer.position(end.getKey()) < end.getValue()) {
        return false;
      }
    }
    return true;
  }

  private Map<TopicPartition, Long> endOffsets() throws Exception {
    if (admin == null) {
      admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers, "default.api.timeout.ms", "5000",
          "request.timeout.ms", "3000"));
    }
    Map<TopicPartition, OffsetSpec> latest = IntStream.range(0, partitions).boxed()
        .collect(Collectors.toMap(p -> new TopicPartition(topic, p), p -> OffsetSpec.latest()));
    return admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS).entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  private void closeAdmin() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(1));
      admin = null;
    }
  }

  @Override
  public synchronized void close() {
    closeAdmin();
  }
}
