package dev.tracebridge.kafka;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.route.ErrorClass;
import dev.tracebridge.route.Sink;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces to Kafka. Defaults favour not losing and not reordering messages ({@code acks=all},
 * idempotence, which keeps order with up to five requests in flight) over raw throughput; every
 * producer property may be overridden by the cluster's or the route's properties.
 */
public final class KafkaSink implements Sink {

  private static final Logger log = LoggerFactory.getLogger(KafkaSink.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final String clientId;
  private final Map<String, Object> producerProperties;
  private final ClusterProbe probe;
  /** KafkaProducer.flush() cannot time out; it runs here so that flush(timeout) can stop waiting. */
  private final ExecutorService flusher;
  private volatile KafkaProducer<byte[], byte[]> producer;
  private boolean closed;

  public KafkaSink(String clientId, Map<String, String> producerProperties, KafkaClusterConfig cluster) {
    this.clientId = clientId;
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.putAll(cluster.properties());
    props.putAll(producerProperties);
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    this.producerProperties = Map.copyOf(props);
    this.probe = new ClusterProbe(clientId, cluster.bootstrapServers(), props);
    this.flusher = Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, clientId + "-flush");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Creates the producer, which connects in the background; throws only for settings Kafka rejects. */
  @Override
  public synchronized void start() {
    if (closed || producer != null) {
      return;
    }
    producer = new KafkaProducer<>(producerProperties);
    probe.start();
  }

  /** True while the cluster answers the {@link ClusterProbe} and the producer is open. */
  @Override
  public boolean isConnected() {
    return producer != null && probe.isReachable();
  }

  /**
   * Sends one record. A failure, whether the producer reports it through its callback or throws it
   * at once (record too large, producer closed), completes the future exceptionally.
   *
   * <p>Like {@link KafkaProducer#send}, this blocks up to {@code max.block.ms} while the producer's
   * buffer is full or the topic's metadata cannot be fetched (broker down).
   */
  @Override
  public CompletableFuture<SendReceipt> send(OutboundMessage message) {
    CompletableFuture<SendReceipt> result = new CompletableFuture<>();
    KafkaProducer<byte[], byte[]> current = producer;
    if (current == null) {
      result.completeExceptionally(new IllegalStateException("Kafka sink " + clientId + " is not started"));
      return result;
    }
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(message.destination(), null, message.key(),
        message.payload(), KafkaHeaders.toKafka(message.headers()));
    try {
      current.send(record, (metadata, error) -> {
        if (error != null) {
          result.completeExceptionally(error);
        } else {
          result.complete(SendReceipt.kafka(metadata.topic(), metadata.partition(), metadata.offset()));
        }
      });
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  /** Placeholder until this endpoint's own classification lands: every failure is retried, then dead-lettered. */
  @Override
  public ErrorClass classify(Throwable error) {
    return ErrorClass.UNKNOWN;
  }

  @Override
  public void flush(Duration timeout) {
    KafkaProducer<byte[], byte[]> current = producer;
    if (current == null) {
      return;
    }
    Future<?> flushing = flusher.submit(current::flush);
    try {
      flushing.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("{}: Kafka producer not flushed within {} ms", clientId, timeout.toMillis());
    } catch (ExecutionException e) {
      log.warn("{}: Kafka producer flush failed: {}", clientId, e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits up to 10 s for records in flight; those still unconfirmed then fail their futures. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    probe.close();
    KafkaProducer<byte[], byte[]> current = producer;
    producer = null;
    if (current != null) {
      current.close(CLOSE_TIMEOUT);
    }
    flusher.shutdownNow();
  }
}
