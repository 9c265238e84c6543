package dev.tracebridge.bench;

/**
 * What relays the messages in one run: the raw-client baseline (with the JVM's defaults or with the bridge
 * launcher's JVM options), or the bridge with or without its SDK.
 */
enum Relay {
  BASELINE("baseline (raw clients), JVM defaults"),
  /** The same baseline started with the bridge launcher's JVM options: the fair comparison for the ratios. */
  BASELINE_LAUNCHER_JVM("baseline (raw clients), launcher's JVM"),
  BRIDGE_TRACING("bridge, tracing on"),
  BRIDGE_NO_TRACING("bridge, OTEL_SDK_DISABLED");

  private final String label;

  Relay(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }

  boolean bridge() {
    return this == BRIDGE_TRACING || this == BRIDGE_NO_TRACING;
  }
}
