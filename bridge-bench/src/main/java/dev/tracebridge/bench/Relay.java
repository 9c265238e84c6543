package dev.tracebridge.bench;

/** What relays the messages in one run: the raw-client baseline, or the bridge with or without its SDK. */
enum Relay {
  BASELINE("baseline (raw clients)"),
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
    return this != BASELINE;
  }
}
