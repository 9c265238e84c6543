package dev.tracebridge.bench;

import java.util.Locale;

/** The four ways a message crosses the bridge; each names its source and destination kind. */
enum Direction {
  KAFKA_TO_NATS("Kafka → NATS core", Kind.KAFKA, Kind.NATS),
  KAFKA_TO_JETSTREAM("Kafka → JetStream", Kind.KAFKA, Kind.JETSTREAM),
  NATS_TO_KAFKA("NATS core → Kafka", Kind.NATS, Kind.KAFKA),
  JETSTREAM_TO_KAFKA("JetStream → Kafka", Kind.JETSTREAM, Kind.KAFKA);

  /** A broker kind as the bridge's configuration names it ({@code from.kafka}, {@code to.jetstream}). */
  enum Kind {
    KAFKA, NATS, JETSTREAM;

    String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final String label;
  final Kind from;
  final Kind to;

  Direction(String label, Kind from, Kind to) {
    this.label = label;
    this.from = from;
    this.to = to;
  }

  String label() {
    return label;
  }
}
