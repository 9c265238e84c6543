package dev.tracebridge.reply;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.tracebridge.testkit.KafkaReplyService;
import dev.tracebridge.testkit.KafkaReplyService.Options;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The Kafka service of the request-reply tests, a {@link KafkaReplyService} that answers {@code answer:} + the
 * request's payload. It continues the request's trace: with a tracer, in a CONSUMER span and a PRODUCER span
 * whose context goes out as the answer's {@code traceparent}; without one, the request's {@code traceparent}
 * goes on unchanged. Requests that {@code hold} selects are kept until {@link KafkaReplyService#release}.
 * Answers alternate between the reply topic's two partitions, so that both bridge instances deliver some.
 */
final class QuoteService {

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

  private QuoteService() {
  }

  static KafkaReplyService start(String bootstrap, String requestTopic, Tracer tracer, Predicate<String> hold) {
    AtomicInteger next = new AtomicInteger(); // only the service's thread counts
    Options options = Options.echo()
        .withAnswer((request, replyTopic) -> new ProducerRecord<>(replyTopic, next.getAndIncrement() % 2, null,
            ("answer:" + new String(request.value(), UTF_8)).getBytes(UTF_8)))
        .withHold(hold);
    return new KafkaReplyService(bootstrap, requestTopic, tracer == null ? options : options.withTrace(
        (request, answer, send) -> sendInSpans(tracer, request, answer, send)));
  }

  private static void sendInSpans(Tracer tracer, ConsumerRecord<byte[], byte[]> request,
      ProducerRecord<byte[], byte[]> answer, Runnable send) {
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
    Span process = tracer.spanBuilder("process " + request.topic()).setSpanKind(SpanKind.CONSUMER)
        .setParent(parent).startSpan();
    Span sending = tracer.spanBuilder("send " + answer.topic()).setSpanKind(SpanKind.PRODUCER)
        .setParent(Context.root().with(process)).startSpan();
    W3CTraceContextPropagator.getInstance().inject(Context.root().with(sending), answer,
        (record, key, value) -> record.headers().add(key, value.getBytes(UTF_8)));
    send.run();
    sending.end();
    process.end();
  }
}
