package dev.tracebridge.mapping;

import java.util.regex.Pattern;

/** Checks a topic or subject filled in from a template, before the client would reject it. */
final class Destinations {

  private static final Pattern KAFKA_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private Destinations() {
  }

  static String kafkaTopic(String topic) throws MappingException {
    if (!KAFKA_TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
      throw new MappingException("'" + topic + "' is not a valid Kafka topic name ([a-zA-Z0-9._-], at most 249 characters)");
    }
    return topic;
  }

  /** A subject to publish to: tokens separated by dots, none empty, no wildcard, no whitespace. */
  static String natsSubject(String subject) throws MappingException {
    if (subject.isEmpty() || subject.startsWith(".") || subject.endsWith(".") || subject.contains("..")) {
      throw new MappingException("'" + subject + "' is not a valid NATS subject (empty token)");
    }
    for (int i = 0; i < subject.length(); i++) {
      char c = subject.charAt(i);
      if (c <= ' ' || c == 127 || c == '*' || c == '>') {
        throw new MappingException("'" + subject + "' is not a valid NATS subject to publish to (whitespace, control character or wildcard)");
      }
    }
    return subject;
  }
}
