package dev.tracebridge.bench;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes the benchmark's messages into the source broker: a backlog as fast as the broker takes it, or a
 * paced stream at a fixed rate for the latency figures. Each message is stamped with its sequence number
 * and its send time when it is handed to the client, so the latency includes the source broker's hop, as
 * a user's would.
 */
final class Source implements AutoCloseable {

  private static final int MAX_PENDING_ACKS = 5_000;

  private final Direction.Kind kind;
  private final String target;
  private final int payloadBytes;
  private final long runSalt;
  private final Connection nats;
  private final KafkaProducer<byte[], byte[]> producer;

  private Source(Direction.Kind kind, String target, int payloadBytes, long runSalt, Connection nats,
      KafkaProducer<byte[], byte[]> producer) {
    this.kind = kind;
    this.target = target;
    this.payloadBytes = payloadBytes;
    this.runSalt = runSalt;
    this.nats = nats;
    this.producer = producer;
  }

  /** A Kafka source writing to partition 0 of {@code topic}. */
  static Source kafka(String bootstrap, String topic, int payloadBytes, long runSalt) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("acks", "all");
    props.put("linger.ms", "0"); // batches still form under load; a paced message is not held back
    props.put("batch.size", "131072");
    return new Source(Direction.Kind.KAFKA, topic, payloadBytes, runSalt, null,
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
  }

  /** A core NATS or JetStream source publishing on {@code subject} through {@code nats} (not closed here). */
  static Source nats(Direction.Kind kind, Connection nats, String subject, int payloadBytes, long runSalt) {
    return new Source(kind, subject, payloadBytes, runSalt, nats, null);
  }

  /**
   * Sends the messages {@code from} to {@code from + count - 1} at {@code perSecond} (0: as fast as the
   * client goes) and returns once the source broker confirmed them (core NATS: flushed).
   */
  void send(long from, int count, double perSecond) throws Exception {
    Semaphore pending = new Semaphore(MAX_PENDING_ACKS);
    JetStream js = kind == Direction.Kind.JETSTREAM ? nats.jetStream() : null;
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      if (perSecond > 0) {
        pace(start + (long) (i * 1e9 / perSecond));
      }
      long seq = from + i;
      byte[] payload = Wire.payload(payloadBytes, seq, System.nanoTime());
      String traceparent = Wire.traceparent(runSalt, seq);
      switch (kind) {
        case KAFKA -> producer.send(new ProducerRecord<>(target, 0, (byte[]) null, payload, kafkaHeaders(traceparent)));
        case NATS -> nats.publish(target, natsHeaders(traceparent), payload);
        case JETSTREAM -> {
          pending.acquire();
          js.publishAsync(target, natsHeaders(traceparent), payload).whenComplete((ack, error) -> pending.release());
        }
        default -> throw new IllegalStateException(kind.name());
      }
    }
    if (producer != null) {
      producer.flush();
    } else {
      if (!pending.tryAcquire(MAX_PENDING_ACKS, 60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("JetStream did not acknowledge the source messages");
      }
      pending.release(MAX_PENDING_ACKS);
      nats.flush(Duration.ofSeconds(30));
    }
  }

  private List<Header> kafkaHeaders(String traceparent) {
    return List.of(new RecordHeader(Wire.TRACEPARENT, Wire.ascii(traceparent)),
        new RecordHeader(Wire.BAGGAGE, Wire.ascii(Wire.BAGGAGE_VALUE)),
        new RecordHeader(Wire.PLAIN, Wire.ascii(Long.toHexString(runSalt))));
  }

  private Headers natsHeaders(String traceparent) {
    return new Headers().add(Wire.TRACEPARENT, traceparent).add(Wire.BAGGAGE, Wire.BAGGAGE_VALUE)
        .add(Wire.PLAIN, Long.toHexString(runSalt));
  }

  /** Waits until a paced message is due: a load generator's pacing, not a wait for a result. */
  private static void pace(long dueNanos) {
    long ahead;
    while ((ahead = dueNanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(ahead);
    }
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
    }
  }
}
