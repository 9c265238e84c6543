package dev.tracebridge.tracing;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;

/**
 * Puts an exact admission count in front of a batch span processor. The batch processor drops a span when
 * its queue is full and only says so in its own metrics; here a span is admitted only while fewer than the
 * queue's size are waiting or being exported (counted down by {@link CountingSpanExporter}), so the batch
 * processor's queue never overflows and every dropped span is counted. Like the batch processor it never
 * blocks the thread that ends a span.
 */
final class BoundedSpanProcessor implements SpanProcessor {

  private final SpanProcessor batch;
  private final SpanQueueAccounting accounting;

  BoundedSpanProcessor(SpanProcessor batch, SpanQueueAccounting accounting) {
    this.batch = batch;
    this.accounting = accounting;
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    batch.onStart(parentContext, span);
  }

  @Override
  public boolean isStartRequired() {
    return batch.isStartRequired();
  }

  @Override
  public void onEnd(ReadableSpan span) {
    // The batch processor exports sampled spans only; admitting others would leak queue room.
    if (span.getSpanContext().isSampled() && accounting.admit()) {
      batch.onEnd(span);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  @Override
  public CompletableResultCode shutdown() {
    return batch.shutdown();
  }

  @Override
  public CompletableResultCode forceFlush() {
    return batch.forceFlush();
  }

  @Override
  public String toString() {
    return "BoundedSpanProcessor{" + batch + "}";
  }
}
