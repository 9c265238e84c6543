package dev.tracebridge.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka service of the NATS-requester direction, on kafka-clients as the README shows it: it answers each
 * request with its payload on the request's {@code kafka_replyTopic}, with the request's key (so the answers
 * spread over the reply topic's partitions as the requests did) and {@code kafka_correlationId} copied. It
 * records no spans of its own; the request's {@code traceparent} goes on with the answer, so the reply's spans
 * join the requester's trace. One thread polls and sends.
 */
final class KafkaService implements AutoCloseable {

  private final Thread thread;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile RuntimeException failure;

  KafkaService(String bootstrap, String requestTopic) {
    this.thread = new Thread(() -> {
      try {
        run(bootstrap, requestTopic);
      } catch (RuntimeException e) {
        failure = e;
      }
    }, "kafka-service");
    thread.setDaemon(true);
    thread.start();
  }

  private void run(String bootstrap, String requestTopic) {
    Map<String, Object> consumerProps = Map.of("bootstrap.servers", bootstrap, "group.id", "svc-" + requestTopic,
        "auto.offset.reset", "earliest"); // requests written before the group joined are answered too
    try (KafkaConsumer<byte[], byte[]> consumer =
             new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
         KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
             "linger.ms", 0), new ByteArraySerializer(), new ByteArraySerializer())) {
      consumer.subscribe(List.of(requestTopic));
      while (!closed.get()) {
        for (ConsumerRecord<byte[], byte[]> request : consumer.poll(Duration.ofMillis(50))) {
          answer(producer, request);
        }
      }
    }
  }

  /** The few lines a service needs: answer on kafka_replyTopic, copy kafka_correlationId. */
  private static void answer(KafkaProducer<byte[], byte[]> producer, ConsumerRecord<byte[], byte[]> request) {
    String replyTopic = new String(request.headers().lastHeader("kafka_replyTopic").value(), UTF_8);
    ProducerRecord<byte[], byte[]> answer = new ProducerRecord<>(replyTopic, request.key(), request.value());
    answer.headers().add("kafka_correlationId", request.headers().lastHeader("kafka_correlationId").value());
    Header traceparent = request.headers().lastHeader("traceparent");
    if (traceparent != null) {
      answer.headers().add("traceparent", traceparent.value());
    }
    producer.send(answer);
  }

  @Override
  public void close() throws InterruptedException {
    closed.set(true);
    thread.join(10_000);
    if (failure != null) {
      throw new IllegalStateException("the Kafka service failed", failure);
    }
  }
}
