package dev.tracebridge.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP/HTTP trace receiver for tests: {@code POST /v1/traces} with a protobuf
 * {@code ExportTraceServiceRequest} (gzip or not), answered 200 with an empty
 * {@code ExportTraceServiceResponse}. It keeps every span it received. In slow mode it holds each answer
 * back, to show that a slow collector never slows what produces the spans. In deferred mode it keeps the
 * request bodies and decodes them only when asked for its spans: a benchmark that shares its JVM and its
 * cores with the receiver keeps the decoding (and its garbage) out of the interval it measures.
 */
public final class OtlpReceiver implements AutoCloseable {

  private static final String TRACES_PATH = "/v1/traces";
  private static final byte[] EMPTY_RESPONSE = ExportTraceServiceResponse.getDefaultInstance().toByteArray();

  private final HttpServer server;
  private final ExecutorService executor;
  private final Duration responseDelay;
  private final boolean deferDecoding;
  private final List<byte[]> undecoded = new ArrayList<>();
  private final List<Span> spans = new ArrayList<>();
  private final Map<String, String> resourceAttributes = new LinkedHashMap<>();
  private final AtomicLong requests = new AtomicLong();

  private OtlpReceiver(Duration responseDelay, boolean deferDecoding) throws IOException {
    this.responseDelay = responseDelay;
    this.deferDecoding = deferDecoding;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "otlp-receiver");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext(TRACES_PATH, this::handle);
    server.start();
  }

  /** A receiver on a free port of 127.0.0.1 that answers at once. */
  public static OtlpReceiver start() {
    return start(Duration.ZERO);
  }

  /** A receiver that waits {@code responseDelay} before answering each request (a slow collector). */
  public static OtlpReceiver start(Duration responseDelay) {
    try {
      return new OtlpReceiver(responseDelay, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A receiver that answers at once and decodes what it got only when asked ({@link #spans}, {@link #spanCount}). */
  public static OtlpReceiver startDeferred() {
    try {
      return new OtlpReceiver(Duration.ZERO, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:port}: the base for {@code otel.exporter.otlp.endpoint} (http/protobuf). */
  public String endpoint() {
    return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
  }

  /** Every span received so far, in the order received. */
  public synchronized List<Span> spans() {
    decodeDeferred();
    return List.copyOf(spans);
  }

  public synchronized int spanCount() {
    decodeDeferred();
    return spans.size();
  }

  /** The string form of the resource attributes of the requests received (the last value of each key). */
  public synchronized Map<String, String> resourceAttributes() {
    decodeDeferred();
    return Map.copyOf(resourceAttributes);
  }

  private void decodeDeferred() {
    for (byte[] body : undecoded) {
      try {
        collect(ExportTraceServiceRequest.parseFrom(body));
      } catch (IOException e) {
        throw new UncheckedIOException("an OTLP request kept undecoded is not a valid ExportTraceServiceRequest", e);
      }
    }
    undecoded.clear();
  }

  /** How many export requests were answered. */
  public long requestCount() {
    return requests.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      ExportTraceServiceRequest request = null;
      byte[] raw = null;
      try (InputStream body = body(exchange)) {
        if (deferDecoding) {
          raw = body.readAllBytes();
        } else {
          request = ExportTraceServiceRequest.parseFrom(body);
        }
      } catch (IOException e) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      if (raw != null) {
        keep(raw);
      } else {
        collect(request);
      }
      pause();
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      if (EMPTY_RESPONSE.length == 0) {
        exchange.sendResponseHeaders(200, -1);
      } else {
        exchange.sendResponseHeaders(200, EMPTY_RESPONSE.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(EMPTY_RESPONSE);
        }
      }
      requests.incrementAndGet();
    }
  }

  private static InputStream body(HttpExchange exchange) throws IOException {
    InputStream body = exchange.getRequestBody();
    String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
    return "gzip".equalsIgnoreCase(encoding) ? new GZIPInputStream(body) : body;
  }

  private synchronized void keep(byte[] body) {
    undecoded.add(body);
  }

  private synchronized void collect(ExportTraceServiceRequest request) {
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      for (KeyValue attribute : resourceSpans.getResource().getAttributesList()) {
        resourceAttributes.put(attribute.getKey(), text(attribute.getValue()));
      }
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        spans.addAll(scopeSpans.getSpansList());
      }
    }
  }

  private static String text(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case INT_VALUE -> Long.toString(value.getIntValue());
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
      default -> value.toString().trim();
    };
  }

  private void pause() {
    if (responseDelay.isZero()) {
      return;
    }
    try {
      Thread.sleep(responseDelay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
