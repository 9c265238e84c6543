package dev.tracebridge.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A Kafka service on kafka-clients, as the README's request-reply snippet shows it, for the tests and the
 * request-reply benchmark: it answers each request on the request's {@code kafka_replyTopic}, copying only
 * {@code kafka_correlationId} (what Spring's {@code @SendTo} copies). What the answer holds, what happens to
 * the request's trace context and which requests wait for {@link #release} are {@link Options}; by default it
 * echoes the request's key and payload and copies its {@code traceparent}, recording no spans of its own (the
 * testkit has no OpenTelemetry API: a test that records spans passes its own {@link Trace}). One thread polls
 * and sends; a failure of that thread is thrown by {@link #close}.
 */
public final class KafkaReplyService implements AutoCloseable {

  /** Makes the answer to a request; the service adds {@code kafka_correlationId}. */
  @FunctionalInterface
  public interface Answer {
    ProducerRecord<byte[], byte[]> to(ConsumerRecord<byte[], byte[]> request, String replyTopic);
  }

  /** Carries the request's trace context over to its answer; {@code send} sends the answer. */
  @FunctionalInterface
  public interface Trace {
    void send(ConsumerRecord<byte[], byte[]> request, ProducerRecord<byte[], byte[]> answer, Runnable send);
  }

  /** Holds no request; the service then never decodes a payload (the benchmark's service keeps its CPU). */
  public static final Predicate<String> HOLD_NONE = payload -> false;

  /** The request's key and payload back. */
  public static final Answer ECHO = (request, replyTopic) ->
      new ProducerRecord<>(replyTopic, request.key(), request.value());

  /** The request's {@code traceparent} goes on unchanged, so the reply's spans join the requester's trace. */
  public static final Trace COPY_TRACEPARENT = (request, answer, send) -> {
    Header traceparent = request.headers().lastHeader("traceparent");
    if (traceparent != null) {
      answer.headers().add("traceparent", traceparent.value());
    }
    send.run();
  };

  /**
   * What the service answers, how it passes the trace on, and which requests (by payload) it holds until
   * {@link #release}.
   */
  public record Options(Answer answer, Trace trace, Predicate<String> hold) {

    public static Options echo() {
      return new Options(ECHO, COPY_TRACEPARENT, HOLD_NONE);
    }

    public Options withAnswer(Answer answer) {
      return new Options(answer, trace, hold);
    }

    public Options withTrace(Trace trace) {
      return new Options(answer, trace, hold);
    }

    public Options withHold(Predicate<String> hold) {
      return new Options(answer, trace, hold);
    }
  }

  private final Options options;
  private final Thread thread;
  private final List<ConsumerRecord<byte[], byte[]>> held = new ArrayList<>();
  private final AtomicBoolean releasing = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger answered = new AtomicInteger();
  private volatile RuntimeException failure;

  public KafkaReplyService(String bootstrap, String requestTopic, Options options) {
    this.options = options;
    this.thread = new Thread(() -> {
      try {
        run(bootstrap, requestTopic);
      } catch (RuntimeException e) {
        failure = e;
      }
    }, "kafka-reply-service-" + requestTopic);
    thread.setDaemon(true);
    thread.start();
  }

  /** Answers the requests held so far (on the service's own thread). */
  public void release() {
    releasing.set(true);
  }

  /** How many requests were answered. */
  public int answered() {
    return answered.get();
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
          if (options.hold() != HOLD_NONE && options.hold().test(new String(request.value(), UTF_8))) {
            held.add(request);
          } else {
            answer(producer, request);
          }
        }
        if (releasing.getAndSet(false)) {
          held.forEach(request -> answer(producer, request));
          held.clear();
        }
      }
    }
  }

  /** The few lines a service needs: answer on kafka_replyTopic, copy kafka_correlationId. */
  private void answer(KafkaProducer<byte[], byte[]> producer, ConsumerRecord<byte[], byte[]> request) {
    String replyTopic = new String(request.headers().lastHeader("kafka_replyTopic").value(), UTF_8);
    ProducerRecord<byte[], byte[]> answer = options.answer().to(request, replyTopic);
    answer.headers().add("kafka_correlationId", request.headers().lastHeader("kafka_correlationId").value());
    options.trace().send(request, answer, () -> producer.send(answer));
    answered.incrementAndGet();
  }

  @Override
  public void close() throws InterruptedException {
    closed.set(true);
    thread.join(10_000);
    if (failure != null) {
      throw new IllegalStateException("the Kafka reply service failed", failure);
    }
  }
}
