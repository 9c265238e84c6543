package dev.tracebridge.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The kinds of endpoint, by the key that names them in a route's {@code from}, {@code to} and
 * {@code dead-letter}. Reading the file switches over this enum without a default, and the configured
 * endpoints ({@link SourceConfig}, {@link SinkConfig}) fold over their kinds, so the compiler lists every
 * place a new kind must be handled.
 */
enum EndpointKind {
  KAFKA("kafka"),
  NATS("nats"),
  JETSTREAM("jetstream");

  private final String key;

  EndpointKind(String key) {
    this.key = key;
  }

  /** The key in the file: {@code kafka}, {@code nats}, {@code jetstream}. */
  String key() {
    return key;
  }

  static EndpointKind of(SourceConfig source) {
    return source.match(kafka -> KAFKA, nats -> NATS, jetStream -> JETSTREAM);
  }

  /** {@code kafka, nats or jetstream}, for messages. */
  static String choices() {
    String keys = Arrays.stream(values()).map(EndpointKind::key).collect(Collectors.joining(", "));
    int last = keys.lastIndexOf(", ");
    return keys.substring(0, last) + " or " + keys.substring(last + 2);
  }
}
