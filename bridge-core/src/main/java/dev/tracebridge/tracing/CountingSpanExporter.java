package dev.tracebridge.tracing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/** Counts what its exporter delivered and what it lost, and frees the pipeline's queue room as it does. */
final class CountingSpanExporter implements SpanExporter {

  private final SpanExporter delegate;
  private final SpanQueueAccounting accounting;

  CountingSpanExporter(SpanExporter delegate, SpanQueueAccounting accounting) {
    this.delegate = delegate;
    this.accounting = accounting;
  }

  SpanQueueAccounting accounting() {
    return accounting;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    int count = spans.size();
    CompletableResultCode result;
    try {
      result = delegate.export(spans);
    } catch (RuntimeException e) {
      accounting.failed(count);
      throw e;
    }
    result.whenComplete(() -> {
      if (result.isSuccess()) {
        accounting.exported(count);
      } else {
        accounting.failed(count);
      }
    });
    return result;
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }

  @Override
  public String toString() {
    return "CountingSpanExporter{" + delegate + "}";
  }
}
