package dev.tracebridge.logging;

import io.opentelemetry.api.trace.SpanContext;
import org.slf4j.MDC;

/**
 * The SLF4J MDC keys that tie a log line to a route and to the trace of the message being handled, so
 * that a log store can show the lines of one trace next to its spans. The route thread sets
 * {@value #ROUTE} once for its whole life, and {@value #TRACE_ID} and {@value #SPAN_ID} (the CONSUMER
 * span's) whenever it turns to a message; they are cleared after each task, so a line that is not about
 * a message never carries a stale trace.
 */
public final class MessageLogContext {

  public static final String ROUTE = "route";
  public static final String TRACE_ID = "trace_id";
  public static final String SPAN_ID = "span_id";

  private MessageLogContext() {
  }

  /** Runs {@code work} (a thread's whole body) with {@value #ROUTE} set. */
  public static Runnable forRoute(String route, Runnable work) {
    return () -> {
      MDC.put(ROUTE, route);
      try {
        work.run();
      } finally {
        MDC.remove(ROUTE);
      }
    };
  }

  /**
   * The lines that follow on this thread are about the message of this span. Without a valid span
   * (tracing disabled) the ids are removed rather than left from an earlier message.
   */
  public static void enter(SpanContext span) {
    if (span.isValid()) {
      MDC.put(TRACE_ID, span.getTraceId());
      MDC.put(SPAN_ID, span.getSpanId());
    } else {
      leave();
    }
  }

  /** The lines that follow on this thread are not about a message. */
  public static void leave() {
    MDC.remove(TRACE_ID);
    MDC.remove(SPAN_ID);
  }
}
