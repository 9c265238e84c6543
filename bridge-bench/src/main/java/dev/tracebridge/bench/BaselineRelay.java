package dev.tracebridge.bench;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The baseline: the shortest honest relay on kafka-clients and jnats, no tracing, run as its own process
 * so that its CPU and memory are measured exactly as the bridge's are. It copies every header and keeps
 * the bridge's rule: a Kafka offset is committed only after the NATS flush or every JetStream publish
 * ack of its poll, a JetStream message is acknowledged only after Kafka acknowledged its copy; core NATS
 * as a source has nothing to acknowledge. The Kafka producer has the bridge's defaults ({@code acks=all},
 * idempotence, {@code linger.ms=5}), JetStream publishes carry the bridge's {@code Nats-Msg-Id}.
 *
 * <p>Arguments: {@code DIRECTION kafka-bootstrap nats-url source destination group [stream]}. It prints
 * {@value #READY} once subscribed and runs until SIGTERM.
 */
public final class BaselineRelay {

  static final String READY = "baseline relay ready";

  private static final Duration POLL = Duration.ofMillis(100);
  private static final int JETSTREAM_BATCH = 500;
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
      List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        if (records.isEmpty()) {
          continue;
        }
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
        } else {
          for (CompletableFuture<PublishAck> ack : acks) {
            ack.get(30, TimeUnit.SECONDS);
          }
          acks.clear();
        }
        consumer.commitAsync();
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
    JetStreamSubscription subscription = nats.jetStream().subscribe(subject, PullSubscribeOptions.builder()
        .stream(stream)
        .durable(durable)
        .configuration(ConsumerConfiguration.builder().ackPolicy(AckPolicy.Explicit).maxAckPending(MAX_ACK_PENDING).build())
        .build());
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      System.out.println(READY);
      while (running) {
        for (Message message : subscription.fetch(JETSTREAM_BATCH, POLL)) {
          producer.send(record(topic, message), (metadata, error) -> {
            if (error == null) {
              message.ack();
            } else {
              message.nak();
            }
          });
        }
      }
      producer.flush();
    }
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
