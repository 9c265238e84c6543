package dev.tracebridge.kafka;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.route.ErrorClass;
import dev.tracebridge.route.Failures;
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
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces to Kafka. Defaults favour not losing and not reordering messages ({@code acks=all},
 * idempotence, which keeps order with up to five requests in flight) over raw throughput; every
 * producer property may be overridden by the cluster's or the route's properties.
 *
 * <p>{@code max.block.ms} defaults to 1 s instead of Kafka's 60 s: {@link #send} runs on the route's own
 * thread, and while the cluster is unreachable (no metadata) or the producer's buffer is full it would
 * otherwise hold every lane of the route for a minute per record. A send that cannot start within that
 * time fails with a {@code TimeoutException}, which is transient: the route backs off and tries again.
 *
 * <p>How {@link #classify} reads a failure (after unwrapping {@code CompletionException} and
 * {@code ExecutionException}); the first matching row wins, because Kafka's hierarchy overlaps (a
 * {@code CorruptRecordException} is a {@code RetriableException}, an {@code InvalidTopicException} an
 * {@code InvalidConfigurationException}):
 * <table>
 *   <caption>Kafka send failures and what the route does with them</caption>
 *   <tr><th>failure</th><th>class</th><th>why</th></tr>
 *   <tr><td>{@code RecordTooLargeException}, {@code RecordBatchTooLargeException}, {@code InvalidTopicException},
 *     {@code SerializationException}, {@code InvalidRecordException}, {@code CorruptRecordException}</td>
 *     <td>MESSAGE</td><td>this record can never be written there, however often it is tried</td></tr>
 *   <tr><td>{@code AuthorizationException}, {@code AuthenticationException} (and their subclasses),
 *     {@code UnsupportedVersionException}, {@code ConfigException}, {@code ProducerFencedException}</td>
 *     <td>FATAL</td><td>nothing can be written until an operator changes ACLs, credentials, settings or the
 *     cluster</td></tr>
 *   <tr><td>{@code RetriableException} and subclasses: {@code TimeoutException} (also {@code max.block.ms}
 *     spent waiting for metadata), {@code BufferExhaustedException} (producer buffer full),
 *     {@code NotEnoughReplicasException}, {@code NotEnoughReplicasAfterAppendException},
 *     {@code NotLeaderOrFollowerException}, {@code NetworkException}, {@code DisconnectException},
 *     {@code UnknownTopicOrPartitionException}</td>
 *     <td>TRANSIENT</td><td>Kafka itself says waiting heals it</td></tr>
 *   <tr><td>the sink not started or already closed (the route is stopping), an {@code InterruptException},
 *     or any failure after {@link #close}</td><td>TRANSIENT</td><td>not the message's fault: it was not
 *     delivered because the bridge is stopping, and is abandoned and delivered again later</td></tr>
 *   <tr><td>anything else</td><td>UNKNOWN</td><td>retried up to the route's attempts, then dead-lettered</td></tr>
 * </table>
 */
public final class KafkaSink implements Sink {

  private static final Logger log = LoggerFactory.getLogger(KafkaSink.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  /** Short: send is called from the route's thread, which must not wait a minute for a dead cluster. */
  static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(1);

  private final String clientId;
  private final Map<String, Object> producerProperties;
  private final ClusterProbe probe;
  /** KafkaProducer.flush() cannot time out; it runs here so that flush(timeout) can stop waiting. */
  private final ExecutorService flusher;
  private volatile KafkaProducer<byte[], byte[]> producer;
  /** Volatile: {@link #classify} reads it from the route's threads. */
  private volatile boolean closed;

  public KafkaSink(String clientId, Map<String, String> producerProperties, KafkaClusterConfig cluster) {
    this.clientId = clientId;
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(DEFAULT_MAX_BLOCK.toMillis()));
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
   * <p>Like {@link KafkaProducer#send}, this blocks up to {@code max.block.ms} (1 s by default) while the
   * producer's buffer is full or the topic's metadata cannot be fetched (broker down).
   */
  @Override
  public CompletableFuture<SendReceipt> send(OutboundMessage message) {
    CompletableFuture<SendReceipt> result = new CompletableFuture<>();
    KafkaProducer<byte[], byte[]> current = producer;
    if (current == null) {
      result.completeExceptionally(new NotOpenException(
          "Kafka sink " + clientId + (closed ? " is closed" : " is not started")));
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

  /** The producer's {@code connection-creation-total}; see {@link ClientConnections}. */
  @Override
  public long reconnects() {
    KafkaProducer<byte[], byte[]> p = producer;
    // the producer is thread-safe, its metrics too
    return p == null ? 0 : ClientConnections.created(p.metrics());
  }

  /** Reads a failure of {@link #send} by the table in the class comment. */
  @Override
  public ErrorClass classify(Throwable error) {
    Throwable cause = Failures.cause(error);
    ErrorClass byType = classifyType(cause);
    if (byType == ErrorClass.UNKNOWN && closed) {
      // A producer closed under a pending send fails it with a plain KafkaException ("closed forcefully")
      // or IllegalStateException: the bridge is stopping, the record was simply not delivered.
      return ErrorClass.TRANSIENT;
    }
    return byType;
  }

  /** The class a failure has by its type alone, regardless of the sink's state. */
  static ErrorClass classifyType(Throwable cause) {
    // Message errors first: CorruptRecordException is a RetriableException, and InvalidTopicException,
    // RecordBatchTooLargeException and InvalidRecordException are InvalidConfigurationExceptions, like
    // UnsupportedVersionException, which is fatal.
    if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException
        || cause instanceof InvalidTopicException || cause instanceof SerializationException
        || cause instanceof InvalidRecordException || cause instanceof CorruptRecordException) {
      return ErrorClass.MESSAGE;
    }
    if (cause instanceof AuthorizationException || cause instanceof AuthenticationException
        || cause instanceof UnsupportedVersionException || cause instanceof ConfigException
        || cause instanceof ProducerFencedException) {
      return ErrorClass.FATAL;
    }
    if (cause instanceof RetriableException || cause instanceof NotOpenException
        || cause instanceof InterruptException) {
      return ErrorClass.TRANSIENT;
    }
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

  /**
   * The sink is not started or already closed: only while a route starts or stops, so the message is
   * not at fault. An {@link IllegalStateException}, as before, so that callers outside the route read it
   * as a state error.
   */
  static final class NotOpenException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NotOpenException(String message) {
      super(message);
    }
  }
}
