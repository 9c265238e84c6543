package dev.tracebridge.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters and the relay-duration histogram of one route, registered in a Micrometer registry with
 * the tag {@code route}. Updated from any thread without locks or allocation: the counts are
 * {@link LongAdder}s the registry reads through {@link FunctionCounter}s (so that {@code /routes} reads the
 * same exact counts), and the duration is a {@link Timer} held by reference, never looked up per message.
 */
public final class RouteMetrics implements AutoCloseable {

  /** Upper bounds in seconds of the {@code bridge_relay_duration_seconds} buckets (+Inf is implicit). */
  public static final double[] DURATION_BUCKETS = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

  private final LongAdder consumed = new LongAdder();
  private final LongAdder produced = new LongAdder();
  private final LongAdder deadLettered = new LongAdder();
  private final LongAdder retried = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final Timer duration;
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();

  /** Registers the route's meters in {@code registry}; {@link #close} removes them again. */
  public RouteMetrics(String route, MeterRegistry registry) {
    this.registry = registry;
    Tags tags = Tags.of(BridgeMetrics.ROUTE, route);
    counter("bridge.messages.consumed", "Messages received from the route's source.", consumed, tags);
    counter("bridge.messages.produced", "Messages the route's destination confirmed.", produced, tags);
    counter("bridge.messages.dead.lettered", "Messages sent to the route's dead letter.", deadLettered, tags);
    counter("bridge.messages.retried", "Delivery attempts repeated after a failure.", retried, tags);
    counter("bridge.messages.failed", "Messages neither delivered nor dead-lettered; each stops its route.",
        failed, tags);
    // Fixed buckets rather than Micrometer's percentile histogram: 16 series a route instead of about 70,
    // and the same bounds as the hand-written exposition this replaces, so dashboards keep working.
    this.duration = Timer.builder("bridge.relay.duration")
        .description("Time from receipt of a message to the destination's confirmation.")
        .tags(tags)
        .serviceLevelObjectives(Arrays.stream(DURATION_BUCKETS)
            .mapToObj(seconds -> Duration.ofNanos(Math.round(seconds * 1e9)))
            .toArray(Duration[]::new))
        .register(registry);
    meters.add(duration);
  }

  private void counter(String name, String help, LongAdder count, Tags tags) {
    meters.add(FunctionCounter.builder(name, count, LongAdder::sum).description(help).tags(tags).register(registry));
  }

  public void consumed() {
    consumed.increment();
  }

  /** A message the destination confirmed, with the time from receipt to confirmation. */
  public void produced(long relayNanos) {
    produced.increment();
    duration.record(relayNanos, TimeUnit.NANOSECONDS);
  }

  public void deadLettered() {
    deadLettered.increment();
  }

  public void retried() {
    retried.increment();
  }

  /** A message the route could neither deliver nor dead-letter (it stopped the route). */
  public void failed() {
    failed.increment();
  }

  public long consumedCount() {
    return consumed.sum();
  }

  public long producedCount() {
    return produced.sum();
  }

  public long deadLetteredCount() {
    return deadLettered.sum();
  }

  public long retriedCount() {
    return retried.sum();
  }

  public long failedCount() {
    return failed.sum();
  }

  /** Removes the route's meters, so that a route that is gone (stopped, or replaced by a reload) leaves no series. */
  @Override
  public void close() {
    meters.forEach(registry::remove);
  }
}
