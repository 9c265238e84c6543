package dev.tracebridge.tracing;

import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.route.Failures;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.semconv.ErrorAttributes;

/**
 * The spans of one message: its CONSUMER span and the send span of the current delivery attempt. Methods
 * may be called from any thread, in this order: {@link #startSend} or {@link #startDeadLetterSend}, then
 * {@link #sendConfirmed} or {@link #sendFailed}, as often as there are attempts, then {@link #end} or
 * {@link #endFailed}.
 */
public final class RelaySpan {

  private final RelayTracer relay;
  private final Span process;
  private final Context processContext;
  private final SpanContext creation;
  private final TraceHeaders incoming;
  private final boolean forwardTracestate;
  // Set by one attempt's start and read by its end, possibly on another thread (the sink's callback).
  private volatile Attempt attempt;
  /** The span of the latest request to the route's destination: the parent of its reply's send span. */
  private volatile Span lastSend;

  RelaySpan(RelayTracer relay, Span process, SpanContext creation, TraceHeaders incoming, boolean forwardTracestate) {
    this.relay = relay;
    this.process = process;
    this.processContext = Context.root().with(process);
    this.creation = creation;
    this.incoming = incoming;
    this.forwardTracestate = forwardTracestate;
  }

  /**
   * Starts a send span to the route's destination (PRODUCER, or CLIENT in passthrough mode) and returns the
   * message with its trace headers rewritten. Called once per attempt.
   */
  public OutboundMessage startSend(OutboundMessage outbound) {
    OutboundMessage out = start(relay.destination(), relay.sendKind(), outbound);
    lastSend = attempt.span();
    return out;
  }

  /** Same as {@link #startSend}, to the route's dead letter, in a send span of its own. */
  public OutboundMessage startDeadLetterSend(OutboundMessage outbound) {
    return start(relay.deadLetter(), relay.plainSendKind(), outbound);
  }

  /**
   * Starts the PRODUCER span {@code send <reply topic>} for the reply to this message's NATS request
   * ({@code reply.to.kafka}): child of the request's CLIENT span, linked to the reply's own context when the
   * reply carried a valid {@code traceparent}, and its context goes out as the reply record's
   * {@code traceparent} (with the request trace's {@code tracestate}). In passthrough mode a CLIENT span, and
   * the reply's trace headers go on as the service wrote them. The span is named after the configured reply
   * topic, or after the record's own {@code kafka_replyTopic} when that chose the topic (a requester's reply
   * topic, as few as the requesters). Called once per attempt to produce the reply.
   */
  public OutboundMessage startReplySend(OutboundMessage reply, boolean topicFromRequest) {
    SendTarget target = relay.reply();
    TraceHeaders answer = TraceHeaders.read(reply.headers());
    SpanContext answerContext = answer.context();
    Span request = lastSend;
    SpanBuilder builder = relay.tracer()
        .spanBuilder(topicFromRequest ? "send " + reply.destination() : target.spanName())
        .setSpanKind(relay.plainSendKind())
        .setParent(request == null ? processContext : processContext.with(request));
    if (answerContext.isValid()) {
      builder.addLink(answerContext);
    }
    target.describe(builder, reply);
    Span span = builder.startSpan();
    this.attempt = new Attempt(span, target);
    return reply.withHeaders(traceHeaders(reply.headers(), span, answer.mergedBaggage()));
  }

  /** Ends the current send span with what the destination confirmed (partition, offset, message id). */
  public void sendConfirmed(SendReceipt receipt) {
    Attempt current = attempt;
    current.target().confirmed(current.span(), receipt);
    current.span().end();
  }

  /** Ends the current send span with status ERROR and {@code error.type}. */
  public void sendFailed(Throwable error) {
    fail(attempt.span(), error);
  }

  /** The CONSUMER span's context: the trace and span ids that the log lines about this message carry. */
  public SpanContext processContext() {
    return process.getSpanContext();
  }

  /** Ends the CONSUMER span with status unset (OK): a retry that later succeeded is not an error. */
  public void end() {
    process.end();
  }

  /** Ends the CONSUMER span with status ERROR and {@code error.type}: the message was dead-lettered or the route stopped. */
  public void endFailed(Throwable error) {
    fail(process, error);
  }

  private OutboundMessage start(SendTarget target, SpanKind kind, OutboundMessage outbound) {
    SpanBuilder builder = relay.tracer().spanBuilder(target.spanName())
        .setSpanKind(kind)
        .setParent(processContext);
    if (creation.isValid()) {
      builder.addLink(creation);
    }
    target.describe(builder, outbound);
    Span span = builder.startSpan();
    this.attempt = new Attempt(span, target);
    return outbound.withHeaders(traceHeaders(outbound.headers(), span, incoming.mergedBaggage()));
  }

  private MessageHeaders traceHeaders(MessageHeaders headers, Span span, Header baggage) {
    if (relay.passthrough()) {
      return TraceHeaders.rewrite(headers, null, null, baggage);
    }
    Header traceparent = TraceHeaders.traceparent(span.getSpanContext());
    if (traceparent == null) {
      // Only without an SDK (OTEL_SDK_DISABLED) and without a valid incoming context: nothing to continue.
      return TraceHeaders.rewrite(headers, null, null, baggage);
    }
    Header tracestate = forwardTracestate ? incoming.tracestate() : null;
    return TraceHeaders.rewrite(headers, traceparent, tracestate, baggage);
  }

  private static void fail(Span span, Throwable error) {
    Throwable cause = Failures.cause(error);
    if (cause.getMessage() == null) {
      span.setStatus(StatusCode.ERROR);
    } else {
      span.setStatus(StatusCode.ERROR, cause.getMessage());
    }
    span.setAttribute(ErrorAttributes.ERROR_TYPE, cause.getClass().getName());
    span.end();
  }

  private record Attempt(Span span, SendTarget target) {
  }
}
