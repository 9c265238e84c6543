package dev.tracebridge.reply;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
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
 * A Kafka service written on kafka-clients, as the README shows it: it answers each request on the request's
 * {@code kafka_replyTopic}, copying only {@code kafka_correlationId} (what Spring's {@code @SendTo} copies), with
 * {@code answer:} + the request's payload. It continues the request's trace: with a tracer, in a CONSUMER span
 * and a PRODUCER span whose context goes out as the answer's {@code traceparent}; without one, the request's
 * {@code traceparent} goes on unchanged. Requests that {@code hold} selects are kept until {@link #release}.
 * Answers alternate between the reply topic's two partitions, so that both bridge instances deliver some.
 */
final class QuoteService implements AutoCloseable {

  private static final TextMapGetter<ConsumerRecord<byte[], byte[]>> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(ConsumerRecord<byte[], byte[]> carrier) {
      List<String> keys = new ArrayList<>();
      carrier.headers().forEach(h -> keys.add(h.key()));
      return keys;
    }

    @Override
    public String get(ConsumerRecord<byte[], byte[]> carrier, String key) {
      Header h = carrier == null ? null : carrier.headers().lastHeader(key);
      return h == null || h.value() == null ? null : new String(h.value(), UTF_8);
    }
  };

  private final Thread thread;
  private final Tracer tracer;
  private final Predicate<String> hold;
  private final List<ConsumerRecord<byte[], byte[]>> held = new ArrayList<>();
  private final AtomicBoolean releasing = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicInteger answered = new AtomicInteger();
  private int next;

  QuoteService(String bootstrap, String requestTopic, Tracer tracer, Predicate<String> hold) {
    this.tracer = tracer;
    this.hold = hold;
    this.thread = new Thread(() -> run(bootstrap, requestTopic), "quote-service");
    thread.setDaemon(true);
    thread.start();
  }

  /** Answers the requests held so far (on the service's own thread). */
  void release() {
    releasing.set(true);
  }

  int answered() {
    return answered.get();
  }

  private void run(String bootstrap, String requestTopic) {
    Map<String, Object> consumerProps = Map.of("bootstrap.servers", bootstrap, "group.id", "svc-" + requestTopic,
        "auto.offset.reset", "earliest");
    try (KafkaConsumer<byte[], byte[]> consumer =
             new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
         KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
             "linger.ms", 0), new ByteArraySerializer(), new ByteArraySerializer())) {
      consumer.subscribe(List.of(requestTopic));
      while (!closed.get()) {
        for (ConsumerRecord<byte[], byte[]> request : consumer.poll(Duration.ofMillis(50))) {
          if (hold.test(new String(request.value(), UTF_8))) {
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
    ProducerRecord<byte[], byte[]> answer = new ProducerRecord<>(replyTopic, next++ % 2, null,
        ("answer:" + new String(request.value(), UTF_8)).getBytes(UTF_8));
    answer.headers().add("kafka_correlationId", request.headers().lastHeader("kafka_correlationId").value());
    if (tracer == null) {
      Header traceparent = request.headers().lastHeader("traceparent");
      if (traceparent != null) {
        answer.headers().add("traceparent", traceparent.value());
      }
      producer.send(answer);
    } else {
      Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
      Span process = tracer.spanBuilder("process " + request.topic()).setSpanKind(SpanKind.CONSUMER)
          .setParent(parent).startSpan();
      Span send = tracer.spanBuilder("send " + replyTopic).setSpanKind(SpanKind.PRODUCER)
          .setParent(Context.root().with(process)).startSpan();
      W3CTraceContextPropagator.getInstance().inject(Context.root().with(send), answer,
          (record, key, value) -> record.headers().add(key, value.getBytes(UTF_8)));
      producer.send(answer);
      send.end();
      process.end();
    }
    answered.incrementAndGet();
  }

  @Override
  public void close() throws InterruptedException {
    closed.set(true);
    thread.join(10_000);
  }
}
