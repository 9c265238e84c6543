package dev.tracebridge.tracing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.ConfigException;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.config.TracingConfig;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bridge.tracing.when-queue-full}: with {@code drop} a collector slower than the spans loses some
 * (counted), with {@code wait} the thread ending spans slows down and every span is exported.
 */
@Timeout(60)
class SpanQueueFullTest {

  private static final int SPANS = 400;

  /** A collector that takes 20 ms per batch: far slower than spans are made here. */
  private static final class SlowExporter implements SpanExporter {
    final AtomicInteger received = new AtomicInteger();

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      received.addAndGet(spans.size());
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  private static void endSpans(Telemetry telemetry) {
    Tracer tracer = telemetry.openTelemetry().getTracer("test");
    for (int i = 0; i < SPANS; i++) {
      tracer.spanBuilder("s" + i).startSpan().end();
    }
  }

  @Test
  void dropModeLosesSpansToASlowCollectorAndCountsThem() {
    SlowExporter exporter = new SlowExporter();
    try (Telemetry telemetry = Telemetry.forTesting(exporter, 8, TracingConfig.WhenQueueFull.DROP)) {
      endSpans(telemetry);
      assertTrue(telemetry.droppedSpans() > 0, "a full queue drops");
      await().atMost(Duration.ofSeconds(30)).until(() -> exporter.received.get() + telemetry.droppedSpans() == SPANS);
    }
  }

  @Test
  void waitModeSlowsTheSpanEndingThreadAndKeepsEverySpan() {
    SlowExporter exporter = new SlowExporter();
    try (Telemetry telemetry = Telemetry.forTesting(exporter, 8, TracingConfig.WhenQueueFull.WAIT)) {
      endSpans(telemetry);
      assertEquals(0, telemetry.droppedSpans(), "nothing dropped while the collector takes spans");
      await().atMost(Duration.ofSeconds(30)).until(() -> exporter.received.get() == SPANS);
    }
  }

  @Test
  void theSettingIsBridgeWideAndDefaultsToDrop() throws ConfigException {
    String routes = "routes.r { from.kafka { topics = [\"a\"] }, to.nats { subject = \"a\" } }";
    assertEquals(TracingConfig.WhenQueueFull.DROP, ConfigLoader.parse("bridge { " + routes + " }", "t.conf")
        .spansWhenQueueFull());
    assertEquals(TracingConfig.WhenQueueFull.WAIT,
        ConfigLoader.parse("bridge { tracing.when-queue-full = wait\n " + routes + " }", "t.conf").spansWhenQueueFull());
    ConfigException perRoute = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () ->
        ConfigLoader.parse("bridge { routes.r { from.kafka { topics = [\"a\"] }, to.nats { subject = \"a\" },"
            + " tracing.when-queue-full = wait } }", "t.conf"));
    assertTrue(perRoute.getMessage().contains("when-queue-full"), perRoute.getMessage());
  }
}
