package dev.tracebridge.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceHeadersTest {

  @Test
  void theTraceparentWrittenIsTheOneTheW3cPropagatorWrites() {
    for (TraceFlags flags : new TraceFlags[] {TraceFlags.getSampled(), TraceFlags.getDefault()}) {
      SpanContext context = SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", flags,
          TraceState.getDefault());
      Map<String, String> carrier = new HashMap<>();
      W3CTraceContextPropagator.getInstance()
          .inject(Context.root().with(Span.wrap(context)), carrier, Map::put);

      String written = new String(TraceHeaders.traceparent(context).value(), StandardCharsets.US_ASCII);

      assertEquals(carrier.get(TraceHeaders.TRACEPARENT), written);
    }
  }

  @Test
  void anInvalidContextHasNoTraceparent() {
    assertNull(TraceHeaders.traceparent(SpanContext.getInvalid()));
  }
}
