package dev.tracebridge.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka side of a requester: records with a {@code kafka_correlationId} (8 bytes, a counter) to the request
 * topic, replies read from the reply topic by a consumer that owns all its partitions. One thread does both,
 * so that each reply sends the next request at once.
 */
final class KafkaRequester implements AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String requests;
  private final byte[] payload;
  private final Map<Long, Long> outstanding = new ConcurrentHashMap<>();
  private long next;

  KafkaRequester(String bootstrap, String requests, String replies, int payloadSize) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("linger.ms", "0"); // a requester waiting for its answer sends at once
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    Properties c = new Properties();
    c.put("bootstrap.servers", bootstrap);
    this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (int i = 0; i < RequestReplyBenchmark.PARTITIONS; i++) {
      partitions.add(new TopicPartition(replies, i));
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // resolve the end now, before any reply is written
    this.requests = requests;
    this.payload = new byte[payloadSize];
  }

  /** Keeps {@code concurrency} requests outstanding for warm-up plus the measured time, then waits for the rest. */
  Recorder roundTrips(int concurrency, Duration warm, Duration measure, Duration timeout, LongSupplier cpuMicros) {
    Recorder recorder = new Recorder();
    long warmEnd = System.nanoTime() + warm.toNanos();
    long end = warmEnd + measure.toNanos();
    for (int i = 0; i < concurrency; i++) {
      send();
    }
    boolean cpuStarted = false;
    long deadline = end + timeout.toNanos();
    while (!outstanding.isEmpty() && System.nanoTime() < deadline) {
      if (!cpuStarted && System.nanoTime() >= warmEnd) {
        recorder.cpuStart = cpuMicros.getAsLong();
        cpuStarted = true;
      }
      for (ConsumerRecord<byte[], byte[]> reply : consumer.poll(Duration.ofMillis(5))) {
        long now = System.nanoTime();
        Header h = reply.headers().lastHeader(RequestReplyBenchmark.CORRELATION);
        Long sent = h == null ? null : outstanding.remove(ByteBuffer.wrap(h.value()).getLong());
        if (sent == null) {
          recorder.errors.incrementAndGet(); // not ours, or twice: counted, not timed
          continue;
        }
        if (sent >= warmEnd && now <= end) {
          recorder.add(now - sent);
        }
        if (now < end) {
          send();
        } else if (recorder.cpuEnd < 0) {
          recorder.cpuEnd = cpuMicros.getAsLong();
        }
      }
    }
    if (recorder.cpuEnd < 0) {
      recorder.cpuEnd = cpuMicros.getAsLong();
    }
    if (!outstanding.isEmpty()) {
      throw new IllegalStateException(outstanding.size() + " requests got no reply");
    }
    return recorder;
  }

  /** Requests sent so far, warm-up included. */
  long sent() {
    return next;
  }

  private void send() {
    long id = ++next;
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(requests,
        Long.toString(id % (4 * RequestReplyBenchmark.PARTITIONS)).getBytes(), payload);
    record.headers().add(RequestReplyBenchmark.CORRELATION, ByteBuffer.allocate(8).putLong(id).array());
    outstanding.put(id, System.nanoTime());
    producer.send(record);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(5));
  }
}
