package dev.tracebridge.config;

/**
 * {@code tracing}: how the bridge joins the traces of the messages it relays.
 *
 * <ul>
 *   <li>{@code propagation = continue}: the outgoing {@code traceparent} is the bridge's PRODUCER span.
 *   <li>{@code propagation = passthrough}: the incoming {@code traceparent}/{@code tracestate} go out
 *       unchanged and the send span is a CLIENT span.
 *   <li>{@code consumer-parent = parent}: the CONSUMER span's parent is the creation context.
 *   <li>{@code consumer-parent = link}: the CONSUMER span starts a new trace and only links to it.
 * </ul>
 */
public record TracingConfig(Propagation propagation, ConsumerParent consumerParent) {

  public static final TracingConfig DEFAULT = new TracingConfig(Propagation.CONTINUE, ConsumerParent.PARENT);

  public enum Propagation { CONTINUE, PASSTHROUGH }

  public enum ConsumerParent { PARENT, LINK }

  /**
   * {@code bridge.tracing.when-queue-full}, for the whole bridge: what ending a span does when the export
   * queue is full. {@code drop} (the default) drops the span and counts it, so a slow collector never slows
   * the relay; {@code wait} waits for room (up to 10 s, then drops and counts), so the relay slows down to
   * what the collector takes and no span is lost while it takes them: for audits.
   */
  public enum WhenQueueFull { DROP, WAIT }
}
