package dev.tracebridge.tracing;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.TracingConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenTelemetry SDK for the whole process, configured the standard way ({@code OTEL_*} environment
 * variables and {@code otel.*} system properties win over the configuration file's {@code bridge.otel},
 * which wins over the defaults here), with exact counts of the spans it exported and dropped.
 */
public final class Telemetry implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Telemetry.class);

  static final String QUEUE_SIZE = "otel.bsp.max.queue.size";
  static final String BATCH_SIZE = "otel.bsp.max.export.batch.size";
  static final String SCHEDULE_DELAY = "otel.bsp.schedule.delay";

  /*
   * Span pipeline sizing. A relay at full speed makes spans faster than one exporter thread can send them,
   * and the SDK's defaults (queue 2048, batch 512, delay 5 s) then drop most of them. Measured on the 2-core
   * build machine (TelemetryExportTest, 200k spans made in 2-4 s, OTLP/HTTP receiver in the same JVM): the
   * SDK defaults dropped 73-78%, these defaults 57-59%. Batches of 2048 exported the most (86k spans vs 55k
   * with 512 and 65k with 8192: one request per batch, but very large batches stall the single exporter
   * thread); the larger queue absorbs bursts and collector pauses of about a second. A sustained rate above
   * what the exporter sends is dropped whatever the queue, which is why the drops are counted and logged.
   * Memory stays bounded: a queued relay span holds roughly 1-2 KB, so a full queue is some 30-60 MB at
   * worst. A batch of 2048 relay spans encodes to well under 1 MB, inside every OTLP receiver's limit (gRPC's
   * default is 4 MiB). The delay of 1 s only matters at low rates: traces show up sooner.
   */
  static final int DEFAULT_QUEUE_SIZE = 32_768;
  static final int DEFAULT_BATCH_SIZE = 2_048;
  static final Duration DEFAULT_SCHEDULE_DELAY = Duration.ofSeconds(1);
  /** The SDK's own default, in case a properties customizer elsewhere removed ours. */
  private static final int SDK_QUEUE_SIZE = 2048;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final OpenTelemetrySdk sdk;
  private final List<SpanQueueAccounting> pipelines;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Telemetry(OpenTelemetrySdk sdk, List<SpanQueueAccounting> pipelines) {
    this.sdk = sdk;
    this.pipelines = pipelines;
  }

  /**
   * The SDK as {@code OTEL_*} configures it. Defaults: the configuration's {@code bridge.otel} properties,
   * {@code service.name} from {@code bridge.service-name} (unless {@code OTEL_SERVICE_NAME} or a
   * {@code service.name} in {@code OTEL_RESOURCE_ATTRIBUTES} is set), traces over OTLP
   * {@code http/protobuf}, no metrics or logs export, and the larger span pipeline above. The SDK's
   * shutdown hook is off: the bridge closes this itself once it has drained.
   *
   * <p>Why {@code http/protobuf}: the OpenTelemetry specification makes it the default protocol, the Java
   * agent and most SDKs use it (port 4318), and it passes HTTP proxies and load balancers that gRPC does
   * not. The SDK alone still defaults to gRPC for compatibility; {@code OTEL_EXPORTER_OTLP_PROTOCOL=grpc}
   * brings that back.
   */
  public static Telemetry autoConfigure(BridgeConfig config) {
    List<SpanQueueAccounting> pipelines = new CopyOnWriteArrayList<>();
    AutoConfiguredOpenTelemetrySdk auto = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> defaults(config))
        .addPropertiesCustomizer(properties -> serviceNameDefault(properties, config.serviceName()))
        .addSpanExporterCustomizer((exporter, properties) ->
            new CountingSpanExporter(exporter, new SpanQueueAccounting(properties.getInt(QUEUE_SIZE, SDK_QUEUE_SIZE),
                config.spansWhenQueueFull() == TracingConfig.WhenQueueFull.WAIT)))
        .addSpanProcessorCustomizer((processor, properties) -> bounded(processor, pipelines))
        .disableShutdownHook()
        .build();
    return new Telemetry(auto.getOpenTelemetrySdk(), pipelines);
  }

  /** An SDK that sends spans to the given exporter through the same span pipeline as {@link #autoConfigure}. */
  public static Telemetry forTesting(SpanExporter exporter) {
    return forTesting(exporter, DEFAULT_QUEUE_SIZE, TracingConfig.WhenQueueFull.DROP);
  }

  /** The test pipeline with another queue size and what to do when it is full. */
  public static Telemetry forTesting(SpanExporter exporter, int queueSize, TracingConfig.WhenQueueFull whenFull) {
    SpanQueueAccounting accounting = new SpanQueueAccounting(queueSize, whenFull == TracingConfig.WhenQueueFull.WAIT);
    SpanProcessor batch = BatchSpanProcessor.builder(new CountingSpanExporter(exporter, accounting))
        .setMaxQueueSize(queueSize)
        .setMaxExportBatchSize(Math.min(DEFAULT_BATCH_SIZE, queueSize))
        .setScheduleDelay(DEFAULT_SCHEDULE_DELAY)
        .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(new BoundedSpanProcessor(batch, accounting)).build())
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), W3CBaggagePropagator.getInstance())))
        .build();
    return new Telemetry(sdk, List.of(accounting));
  }

  private static Map<String, String> defaults(BridgeConfig config) {
    Map<String, String> defaults = new HashMap<>();
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    defaults.put(QUEUE_SIZE, Integer.toString(DEFAULT_QUEUE_SIZE));
    defaults.put(BATCH_SIZE, Integer.toString(DEFAULT_BATCH_SIZE));
    defaults.put(SCHEDULE_DELAY, Long.toString(DEFAULT_SCHEDULE_DELAY.toMillis()));
    defaults.putAll(config.otelProperties());
    return defaults;
  }

  private static Map<String, String> serviceNameDefault(ConfigProperties properties, String serviceName) {
    boolean named = properties.getString("otel.service.name") != null
        || properties.getMap("otel.resource.attributes").containsKey("service.name");
    return named ? Map.of() : Map.of("otel.service.name", serviceName);
  }

  /** Puts the exact admission count in front of each batch processor whose exporter this class counts. */
  private static SpanProcessor bounded(SpanProcessor processor, List<SpanQueueAccounting> pipelines) {
    if (processor instanceof BatchSpanProcessor batch && batch.getSpanExporter() instanceof CountingSpanExporter counting) {
      pipelines.add(counting.accounting());
      return new BoundedSpanProcessor(batch, counting.accounting());
    }
    // Several exporters share one batch processor through a composite: drops are not counted then.
    log.info("Span processor {} is not counted: droppedSpans() does not include its losses", processor);
    return processor;
  }

  public OpenTelemetry openTelemetry() {
    return sdk;
  }

  /** Spans lost because the export queue was full, since start. */
  public long droppedSpans() {
    return pipelines.stream().mapToLong(SpanQueueAccounting::dropped).sum();
  }

  /** Spans the exporter delivered successfully, since start. */
  public long exportedSpans() {
    return pipelines.stream().mapToLong(SpanQueueAccounting::exported).sum();
  }

  /** Spans lost because their export failed (collector unreachable or refusing), since start. */
  public long failedSpans() {
    return pipelines.stream().mapToLong(SpanQueueAccounting::failed).sum();
  }

  /** Exports what is queued, waiting at most 5 s; true when everything went out. */
  public boolean flush() {
    return flush(CLOSE_TIMEOUT.toNanos());
  }

  /** Flushes queued spans, then shuts the SDK down, within about 5 s in all even if the collector is gone. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
    boolean flushed = flush(CLOSE_TIMEOUT.toNanos());
    // Shutdown flushes again (nothing left normally); a minimum lets it stop the exporter's threads.
    long left = Math.max(deadline - System.nanoTime(), TimeUnit.SECONDS.toNanos(1));
    sdk.shutdown().join(left, TimeUnit.NANOSECONDS);
    long dropped = droppedSpans();
    long failed = failedSpans();
    if (!flushed || dropped > 0 || failed > 0) {
      log.warn("Tracing closed: {} spans exported, {} dropped (queue full), {} lost in failed exports{}",
          exportedSpans(), dropped, failed, flushed ? "" : ", flush timed out");
    } else {
      log.info("Tracing closed: {} spans exported", exportedSpans());
    }
  }

  private boolean flush(long timeoutNanos) {
    return sdk.getSdkTracerProvider().forceFlush().join(timeoutNanos, TimeUnit.NANOSECONDS).isSuccess();
  }
}
