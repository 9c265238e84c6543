package dev.tracebridge.bench;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.MessageConsumer;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The baseline: the shortest honest relay on kafka-clients and jnats, no tracing, run as its own process
 * so that its CPU and memory are measured exactly as the bridge's are. It copies every header and keeps
 * the bridge's rule: a Kafka offset is committed only after the NATS flush of its poll or every JetStream
 * publish ack of its poll (polls go on meanwhile, up to {@value #MAX_ACK_PENDING} unacknowledged, and
 * commits follow poll order), a JetStream message is acknowledged only after Kafka acknowledged its
 * copy; core NATS as a source has nothing to acknowledge. Without these pipelines the baseline would
 * wait a round trip per poll, and at a low rate for a batch to fill, which no fair reference does.
 * The Kafka producer has the bridge's defaults ({@code acks=all},
 * idempotence, {@code linger.ms=5}), JetStream publishes carry the bridge's {@code Nats-Msg-Id}.
 *
 * <p>Arguments: {@code DIRECTION kafka-bootstrap nats-url source destination group [stream]}. It prints
 * {@value #READY} once subscribed and runs until SIGTERM.
 */
public final class BaselineRelay {

  static final String READY = "baseline relay ready";

  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration SETTLE_POLL = Duration.ofMillis(5);
  private static final int MAX_ACK_PENDING = 10_000;

  private volatile boolean running = true;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private BaselineRelay() {
  }

  public static void main(String[] args) throws Exception {
    Direction direction = Direction.valueOf(args[0]);
    String bootstrap = args[1];
    String natsUrl = args[2];
    String source = args[3];
    String destination = args[4];
    String group = args[5];
    BaselineRelay relay = new BaselineRelay();
    Runtime.getRuntime().addShutdownHook(new Thread(relay::stop, "baseline-stop"));
    try (Connection nats = Nats.connect(new Options.Builder().server(natsUrl).build())) {
      switch (direction.from) {
        case KAFKA -> relay.fromKafka(bootstrap, source, group, nats, destination, direction.to == Direction.Kind.JETSTREAM);
        case NATS -> relay.fromNats(nats, source, bootstrap, destination);
        case JETSTREAM -> relay.fromJetStream(nats, args[6], source, group, bootstrap, destination);
        default -> throw new IllegalArgumentException(direction.name());
      }
    } finally {
      relay.stopped.countDown();
    }
  }

  private void stop() {
    running = false;
    try {
      stopped.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void fromKafka(String bootstrap, String topic, String group, Connection nats, String subject, boolean jetStream)
      throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("group.id", group);
    props.put("auto.offset.reset", "earliest");
    props.put("enable.auto.commit", "false");
    try (KafkaConsumer<byte[], byte[]> consumer =
             new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      JetStream js = jetStream ? nats.jetStream() : null;
      System.out.println(READY);
      Deque<Batch> unconfirmed = new ArrayDeque<>();
      int pending = 0;
      while (running) {
        // short polls while publish acks are due, so that their offsets are committed soon after
        ConsumerRecords<byte[], byte[]> records = consumer.poll(unconfirmed.isEmpty() ? POLL : SETTLE_POLL);
        if (!records.isEmpty()) {
          List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
          for (ConsumerRecord<byte[], byte[]> record : records) {
            Headers headers = new Headers();
            for (Header header : record.headers()) {
              headers.add(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
            if (js == null) {
              nats.publish(subject, headers, record.value());
            } else {
              headers.put("Nats-Msg-Id", record.topic() + "-" + record.partition() + "-" + record.offset());
              acks.add(js.publishAsync(subject, headers, record.value()));
            }
          }
          if (js == null) {
            nats.flush(Duration.ofSeconds(30));
            consumer.commitAsync();
          } else {
            unconfirmed.add(new Batch(CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)), nextOffsets(records),
                records.count()));
            pending += records.count();
          }
        }
        pending = commitConfirmed(consumer, unconfirmed, pending);
      }
      while (!unconfirmed.isEmpty()) {
        pending = commitConfirmed(consumer, unconfirmed, Integer.MAX_VALUE);
      }
      consumer.commitSync();
    }
  }

  private void fromNats(Connection nats, String subject, String bootstrap, String topic) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      Dispatcher dispatcher = nats.createDispatcher(message -> producer.send(record(topic, message)));
      // a backlog is what core NATS holds in the subscriber's client: let it hold the whole burst
      dispatcher.setPendingLimits(10_000_000, 4L << 30);
      dispatcher.subscribe(subject);
      nats.flush(Duration.ofSeconds(10));
      System.out.println(READY);
      while (running) {
        TimeUnit.MILLISECONDS.sleep(50); // nothing to do on this thread but wait for SIGTERM
      }
      nats.closeDispatcher(dispatcher);
      producer.flush();
    }
  }

  private void fromJetStream(Connection nats, String stream, String subject, String durable, String bootstrap, String topic)
      throws Exception {
    ConsumerContext context = nats.getStreamContext(stream).createOrUpdateConsumer(ConsumerConfiguration.builder()
        .durable(durable).filterSubject(subject).ackPolicy(AckPolicy.Explicit).maxAckPending(MAX_ACK_PENDING).build());
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      // consume() pulls ahead continuously; a fetch loop would wait at low rates for its batch to fill
      MessageConsumer messages = context.consume(message -> producer.send(record(topic, message), (metadata, error) -> {
        if (error == null) {
          message.ack();
        } else {
          message.nak();
        }
      }));
      System.out.println(READY);
      while (running) {
        TimeUnit.MILLISECONDS.sleep(50); // nothing to do on this thread but wait for SIGTERM
      }
      messages.stop();
      producer.flush();
    }
  }

  /**
   * Commits the offsets of the oldest polls whose publishes JetStream all acknowledged, in poll order;
   * while more than {@value #MAX_ACK_PENDING} messages wait for their acks, it waits for the oldest.
   * The number still waiting.
   */
  private static int commitConfirmed(KafkaConsumer<byte[], byte[]> consumer, Deque<Batch> unconfirmed, int pending)
      throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    while (!unconfirmed.isEmpty() && (unconfirmed.peek().acked().isDone() || pending > MAX_ACK_PENDING)) {
      Batch batch = unconfirmed.poll();
      batch.acked().get(30, TimeUnit.SECONDS); // a failed publish ends the baseline: it never commits past it
      pending -= batch.size();
      offsets.putAll(batch.nextOffsets());
    }
    if (!offsets.isEmpty()) {
      consumer.commitAsync(offsets, null);
    }
    return pending;
  }

  private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> inPartition = records.records(partition);
      offsets.put(partition, new OffsetAndMetadata(inPartition.get(inPartition.size() - 1).offset() + 1));
    }
    return offsets;
  }

  /** The publishes of one poll: acknowledged together, then their offsets may be committed. */
  private record Batch(CompletableFuture<Void> acked, Map<TopicPartition, OffsetAndMetadata> nextOffsets, int size) {
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("acks", "all");
    props.put("enable.idempotence", "true");
    props.put("linger.ms", "5");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, Message message) {
    List<Header> headers = new ArrayList<>();
    if (message.getHeaders() != null) {
      message.getHeaders().forEach((name, values) -> {
        for (String value : values) {
          headers.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
        }
      });
    }
    return new ProducerRecord<>(topic, null, (byte[]) null, message.getData(), headers);
  }
}
