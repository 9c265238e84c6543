package dev.tracebridge.testkit.faults;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes stamped records into a Kafka topic, round robin over its partitions (a partition is a lane),
 * at a steady rate on its own thread, so that faults land while messages are still arriving. The
 * producer is idempotent and patient (it outlasts a broker restart), so its own retries add no copies
 * and a record counts as sent only once Kafka acknowledged it.
 */
public final class KafkaDriver implements AutoCloseable {

  private final String topic;
  private final int partitions;
  private final String run;
  private final int payloadBytes;
  private final KafkaProducer<byte[], byte[]> producer;
  private final SentLog sent = new SentLog();
  private final AtomicInteger attempted = new AtomicInteger();
  private volatile Thread thread;
  private volatile Throwable failure;

  public KafkaDriver(String bootstrapServers, String topic, int partitions, String run, int payloadBytes) {
    this.topic = topic;
    this.partitions = partitions;
    this.run = run;
    this.payloadBytes = payloadBytes;
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrapServers);
    props.put("acks", "all");
    props.put("enable.idempotence", "true");
    props.put("linger.ms", "5");
    props.put("delivery.timeout.ms", "600000");
    props.put("max.block.ms", "600000");
    this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Starts sending {@code total} records at about {@code perSecond} a second (0: as fast as it goes). */
  public KafkaDriver start(int total, int perSecond) {
    thread = new Thread(() -> send(total, perSecond), "fault-kafka-driver");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  public SentLog sent() {
    return sent;
  }

  /** Records handed to the producer so far (acknowledged or not). */
  public int attempted() {
    return attempted.get();
  }

  /** True once every record was handed over and the producer flushed. */
  public boolean done() {
    Thread t = thread;
    return t != null && !t.isAlive();
  }

  public Throwable failure() {
    return failure;
  }

  private void send(int total, int perSecond) {
    int[] next = new int[partitions];
    long start = System.nanoTime();
    try {
      for (int i = 0; i < total; i++) {
        int partition = i % partitions;
        Stamp stamp = new Stamp(run, "p" + partition, next[partition]++);
        producer.send(new ProducerRecord<>(topic, partition, null, stamp.encode(payloadBytes)), (meta, error) -> {
          if (error == null) {
            sent.sent(stamp.lane(), stamp.seq());
          }
        });
        attempted.incrementAndGet();
        Pace.keep(start, i + 1, perSecond);
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  @Override
  public void close() throws InterruptedException {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
    producer.close(Duration.ofSeconds(5));
  }
}
