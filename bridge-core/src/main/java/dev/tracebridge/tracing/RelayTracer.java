package dev.tracebridge.tracing;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.config.TracingConfig;
import dev.tracebridge.message.BridgeMessage;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerBuilder;
import io.opentelemetry.context.Context;
import java.util.Optional;

/**
 * Records one route's spans. Thread-safe, one per route.
 *
 * <p>For each message a CONSUMER span {@code process <source>} and, per delivery attempt, a send span
 * {@code send <topic>} / {@code publish <subject>} as its child. How the bridge joins the message's trace:
 * <ul>
 *   <li>The creation context is read from the message's {@code traceparent} and {@code tracestate} with the
 *       W3C Trace Context propagator itself, not with the SDK's configured propagators: the headers the
 *       bridge reads and writes are fixed by its contract, whatever {@code OTEL_PROPAGATORS} says. An invalid
 *       {@code traceparent} is ignored together with its {@code tracestate}: new trace, no link.
 *   <li>{@code consumer-parent = parent} (default): the CONSUMER span's parent is the creation context (the
 *       conventions allow it for single-message processing) and it also links to it, so that tools that
 *       follow links find the producer either way. {@code consumer-parent = link}: the CONSUMER span starts a
 *       new trace and only links to the creation context. In link mode the incoming {@code tracestate} is not
 *       forwarded: it describes the creation trace, and vendor entries in it (sampling thresholds, for one)
 *       are tied to that trace; it stays visible on the link.
 *   <li>{@code propagation = continue} (default): the send span is a PRODUCER span whose context goes out as
 *       the message's new {@code traceparent} (same trace id as the incoming one in parent mode), with the
 *       incoming {@code tracestate} unchanged; any other {@code traceparent}/{@code tracestate} is removed.
 *       {@code propagation = passthrough}: {@code traceparent} and {@code tracestate} go out byte for byte as
 *       they came (even invalid ones, and none when none came), so the send span is a CLIENT span.
 *   <li>A route that sends NATS requests ({@code to.nats { request { } }}) records a CLIENT span
 *       {@code request <subject>} per request (the conventions' span for a request that waits for its reply),
 *       whose context goes out as the request's {@code traceparent}; the reply written to Kafka gets a PRODUCER
 *       span {@code send <topic>}, child of that CLIENT span and linked to the reply's own context.
 *   <li>{@code baggage} is forwarded as received in both modes; several {@code baggage} headers are merged into
 *       one with a comma (W3C Baggage allows it, and many readers see only one header), never re-encoded.
 * </ul>
 */
public final class RelayTracer {

  private static final String SCOPE = "dev.tracebridge.bridge";

  private final Tracer tracer;
  private final TracingConfig tracing;
  private final ProcessSource source;
  private final SendTarget destination;
  private final SendTarget deadLetter;
  /** {@code reply.to.kafka}: where the replies to this route's NATS requests are produced; null otherwise. */
  private final SendTarget reply;
  private final SpanKind sendKind;
  private final boolean passthrough;

  public RelayTracer(OpenTelemetry otel, BridgeConfig bridge, RouteConfig route) {
    this(otel, bridge, route, new SendTarget(route.to(), bridge, route.name()));
  }

  /**
   * The tracer of a request-reply route's reply relay ({@code relay} is its internal route): CONSUMER spans
   * {@code process <reply topic>} as for any Kafka source, and send spans {@code publish} to the requesters'
   * reply subjects, temporary destinations ({@link SendTarget#natsRequesters}).
   */
  public static RelayTracer forAnswers(OpenTelemetry otel, BridgeConfig bridge, RouteConfig relay) {
    return new RelayTracer(otel, bridge, relay, SendTarget.natsRequesters(bridge, relay.name()));
  }

  private RelayTracer(OpenTelemetry otel, BridgeConfig bridge, RouteConfig route, SendTarget destination) {
    TracerBuilder builder = otel.getTracerProvider().tracerBuilder(SCOPE);
    String version = RelayTracer.class.getPackage().getImplementationVersion();
    this.tracer = (version == null ? builder : builder.setInstrumentationVersion(version)).build();
    this.tracing = route.tracing();
    this.source = new ProcessSource(route.from(), bridge, route.name());
    this.destination = destination;
    this.deadLetter = route.deadLetter().map(sink -> new SendTarget(sink, bridge, route.name())).orElse(null);
    this.reply = route.reply().flatMap(r -> r.match(fromKafka -> Optional.<SendTarget>empty(),
        toKafka -> Optional.of(new SendTarget(toKafka.asSink(), bridge, route.name())))).orElse(null);
    this.passthrough = tracing.propagation() == TracingConfig.Propagation.PASSTHROUGH;
    // A request that waits for its reply is a CLIENT span even though its context goes out (the conventions'
    // request), so "CLIENT" alone no longer means passthrough.
    boolean request = route.to().match(kafka -> false, nats -> nats.requestTimeout().isPresent(), jetStream -> false);
    this.sendKind = passthrough || request ? SpanKind.CLIENT : SpanKind.PRODUCER;
  }

  /** Starts the CONSUMER span {@code process <source>} for a received message. */
  public RelaySpan startProcess(BridgeMessage message) {
    TraceHeaders incoming = TraceHeaders.read(message.headers());
    SpanContext creation = incoming.context();
    boolean linkOnly = tracing.consumerParent() == TracingConfig.ConsumerParent.LINK;
    SpanBuilder builder = tracer.spanBuilder(source.spanName()).setSpanKind(SpanKind.CONSUMER);
    if (creation.isValid()) {
      builder.addLink(creation);
      if (linkOnly) {
        builder.setNoParent();
      } else {
        builder.setParent(Context.root().with(Span.wrap(creation)));
      }
    } else {
      builder.setNoParent();
    }
    source.describe(builder, message);
    Span process = builder.startSpan();
    // The tracestate that goes out: only with the creation trace it belongs to (see the class comment).
    boolean forwardTracestate = creation.isValid() && !linkOnly;
    return new RelaySpan(this, process, creation, incoming, forwardTracestate);
  }

  Tracer tracer() {
    return tracer;
  }

  SpanKind sendKind() {
    return sendKind;
  }

  boolean passthrough() {
    return passthrough;
  }

  /** The kind of the spans that are plain sends: the dead letter's, a request's reply. */
  SpanKind plainSendKind() {
    return passthrough ? SpanKind.CLIENT : SpanKind.PRODUCER;
  }

  SendTarget reply() {
    if (reply == null) {
      throw new IllegalStateException("the route has no reply.to.kafka");
    }
    return reply;
  }

  SendTarget destination() {
    return destination;
  }

  SendTarget deadLetter() {
    if (deadLetter == null) {
      throw new IllegalStateException("the route has no dead-letter destination");
    }
    return deadLetter;
  }
}
