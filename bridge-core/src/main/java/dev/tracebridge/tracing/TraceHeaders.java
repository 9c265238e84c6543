package dev.tracebridge.tracing;

import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The W3C trace headers of one received message, read in a single pass: the first {@code traceparent}, and
 * {@code tracestate} and {@code baggage} each merged into one value. W3C Trace Context and W3C Baggage both
 * allow several fields of one name to be combined with a comma; the bytes themselves are never re-encoded.
 */
final class TraceHeaders {

  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";
  static final String BAGGAGE = "baggage";
  /** Version 00: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters. */
  private static final int TRACEPARENT_LENGTH = 55;

  /** Lets the SDK's W3C propagator read a message: values are ASCII by the W3C grammar. */
  static final TextMapGetter<TraceHeaders> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(TraceHeaders carrier) {
      List<String> keys = new ArrayList<>(2);
      if (carrier.traceparent != null) {
        keys.add(TRACEPARENT);
      }
      if (carrier.tracestate != null) {
        keys.add(TRACESTATE);
      }
      return keys;
    }

    @Override
    public String get(TraceHeaders carrier, String key) {
      if (carrier == null) {
        return null;
      }
      if (TRACEPARENT.equals(key)) {
        return carrier.traceparent;
      }
      if (TRACESTATE.equals(key)) {
        return carrier.tracestate == null ? null : ascii(carrier.tracestate.value());
      }
      return null;
    }
  };

  private final String traceparent;
  private final Header tracestate;
  private final Header baggage;
  private final boolean baggageMerged;

  private TraceHeaders(String traceparent, Header tracestate, Header baggage, boolean baggageMerged) {
    this.traceparent = traceparent;
    this.tracestate = tracestate;
    this.baggage = baggage;
    this.baggageMerged = baggageMerged;
  }

  static TraceHeaders read(MessageHeaders headers) {
    String traceparent = null;
    Header tracestate = null;
    Header baggage = null;
    boolean baggageMerged = false;
    // equals, not a switch: a switch hashes every name, and each message brings new name strings whose
    // hash is not cached yet; equals stops at the length for almost every other header
    for (Header h : headers) {
      if (h.value() == null) {
        continue;
      }
      String name = h.name();
      if (TRACEPARENT.equals(name)) {
        if (traceparent == null) {
          traceparent = ascii(h.value());
        }
      } else if (TRACESTATE.equals(name)) {
        tracestate = merge(tracestate, h);
      } else if (BAGGAGE.equals(name)) {
        baggageMerged |= baggage != null;
        baggage = merge(baggage, h);
      }
    }
    return new TraceHeaders(traceparent, tracestate, baggage, baggageMerged);
  }

  /**
   * The context these headers carry, read with the W3C Trace Context propagator itself (not the SDK's configured
   * propagators: the headers the bridge reads are fixed by its contract); invalid when {@code traceparent} is
   * missing or invalid, and then {@code tracestate} is ignored with it.
   */
  SpanContext context() {
    return Span.fromContext(W3CTraceContextPropagator.getInstance().extract(Context.root(), this, GETTER))
        .getSpanContext();
  }

  /** The incoming {@code tracestate}, several fields merged into one; null when there was none. */
  Header tracestate() {
    return tracestate;
  }

  /** The one {@code baggage} header that replaces several; null when there were fewer than two. */
  Header mergedBaggage() {
    return baggageMerged ? baggage : null;
  }

  private static Header merge(Header first, Header next) {
    if (first == null || first.value().length == 0) {
      return next;
    }
    if (next.value().length == 0) {
      return first;
    }
    byte[] a = first.value();
    byte[] b = next.value();
    byte[] joined = new byte[a.length + 1 + b.length];
    System.arraycopy(a, 0, joined, 0, a.length);
    joined[a.length] = ',';
    System.arraycopy(b, 0, joined, a.length + 1, b.length);
    return new Header(first.name(), joined);
  }

  /**
   * The {@code traceparent} a context goes out as, {@code 00-<trace-id>-<span-id>-<flags>}, written straight
   * into the header's bytes (what the W3C propagator would write, without its string building); null for an
   * invalid context, for which the propagator writes nothing either.
   */
  static Header traceparent(SpanContext context) {
    if (!context.isValid()) {
      return null;
    }
    String traceId = context.getTraceId();
    String spanId = context.getSpanId();
    String flags = context.getTraceFlags().asHex();
    byte[] value = new byte[TRACEPARENT_LENGTH];
    value[0] = '0';
    value[1] = '0';
    value[2] = '-';
    int at = copyAscii(traceId, value, 3);
    value[at++] = '-';
    at = copyAscii(spanId, value, at);
    value[at++] = '-';
    copyAscii(flags, value, at);
    return new Header(TRACEPARENT, value);
  }

  private static int copyAscii(String from, byte[] to, int at) {
    for (int i = 0; i < from.length(); i++) {
      to[at + i] = (byte) from.charAt(i); // hex digits: one byte each
    }
    return at + from.length();
  }

  /** ISO-8859-1 maps each byte to one char: a non-ASCII byte stays visible and fails W3C validation. */
  private static String ascii(byte[] value) {
    return new String(value, StandardCharsets.ISO_8859_1);
  }

  /**
   * The headers of an outgoing message with the trace headers set: when {@code traceparent} is not null,
   * every incoming {@code traceparent} and {@code tracestate} is replaced by it and {@code tracestate}
   * (which may be null); several {@code baggage} headers become {@code baggage}. Each new header takes the
   * place of the first one it replaces, so the order of the other headers is kept.
   */
  static MessageHeaders rewrite(MessageHeaders headers, Header traceparent, Header tracestate, Header baggage) {
    if (traceparent == null && baggage == null) {
      return headers;
    }
    ArrayList<Header> out = new ArrayList<>(headers.size() + 2);
    boolean traceparentPlaced = false;
    boolean tracestatePlaced = false;
    boolean baggagePlaced = false;
    for (Header h : headers) {
      String name = h.name();
      if (traceparent != null && TRACEPARENT.equals(name)) {
        if (!traceparentPlaced) {
          out.add(traceparent);
          traceparentPlaced = true;
        }
      } else if (traceparent != null && TRACESTATE.equals(name)) {
        if (!tracestatePlaced && tracestate != null) {
          out.add(tracestate);
        }
        tracestatePlaced = true;
      } else if (baggage != null && BAGGAGE.equals(name)) {
        if (!baggagePlaced) {
          out.add(baggage);
          baggagePlaced = true;
        }
      } else {
        out.add(h);
      }
    }
    if (traceparent != null && !traceparentPlaced) {
      out.add(traceparent);
    }
    if (tracestate != null && !tracestatePlaced) {
      out.add(tracestate);
    }
    return MessageHeaders.handOver(out);
  }
}
