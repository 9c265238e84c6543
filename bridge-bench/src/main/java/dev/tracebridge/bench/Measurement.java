package dev.tracebridge.bench;

/**
 * One relay process's figures in one run. NaN stands for a figure this run does not have (latency with
 * the small payload) or could not get (the backlog did not fully arrive); {@code spansExpected} is 0
 * without tracing.
 *
 * @param messagesPerSecond backlog drain, from the first arrival to the last
 * @param cpuMicrosPerMessage the relay process's user + system CPU over the same interval, per message
 * @param p50Millis         latency from the send to the arrival of the paced messages
 * @param peakRssMib        VmHWM of the relay process at the end of the run
 * @param missing           messages that did not arrive before the timeout
 */
record Measurement(Direction direction, int payloadBytes, Relay relay, double messagesPerSecond,
    double cpuMicrosPerMessage, double p50Millis, double p99Millis, double p999Millis, double peakRssMib,
    long spansReceived, long spansExpected, int missing, int exitStatus) {

  String summary() {
    return String.format("%-18s %5d B  %-26s %9.0f msg/s %7.1f µs/msg  p50 %6.2f  p99 %6.2f  p99.9 %6.2f ms"
            + "  RSS %5.0f MiB  spans %d/%d  missing %d  exit %d",
        direction.label(), payloadBytes, relay.label(), messagesPerSecond, cpuMicrosPerMessage, p50Millis,
        p99Millis, p999Millis, peakRssMib, spansReceived, spansExpected, missing, exitStatus);
  }
}
