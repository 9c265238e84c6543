package dev.tracebridge.config;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What Kafka and NATS accept as names: the one place these rules are written. {@code bridge validate}
 * checks configured names with them, so that a bad topic or subject is found before a broker refuses it,
 * and the message mapper checks each topic and subject a template yields with the same rules, so that
 * what {@code validate} passes a send does not reject for another reason. Each check returns what is
 * wrong, or empty.
 */
public final class NamingRules {

  private static final String KAFKA_TOPIC_CHAR = "[a-zA-Z0-9._-]";
  private static final Pattern KAFKA_TOPIC = Pattern.compile(KAFKA_TOPIC_CHAR + "{1,249}");
  private static final Pattern KAFKA_TOPIC_CHARS = Pattern.compile(KAFKA_TOPIC_CHAR + "*");
  private static final Pattern WHITESPACE = Pattern.compile(".*\\s.*", Pattern.DOTALL);
  /** The NATS server's rule for stream, durable consumer and (our own choice) route names. */
  private static final Pattern NATS_NAME_FORBIDDEN = Pattern.compile(".*[.*>/\\\\\\s\\p{Cntrl}].*", Pattern.DOTALL);

  private NamingRules() {
  }

  /** A Kafka topic written as it is: 1 to 249 of {@code [a-zA-Z0-9._-]}, not {@code .} or {@code ..}. */
  public static Optional<String> kafkaTopic(String topic) {
    if (!KAFKA_TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
      return Optional.of("'" + topic + "' is not a valid Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -, not '.' or '..')");
    }
    return Optional.empty();
  }

  /**
   * The literal parts of a topic template, given with each placeholder replaced by a valid character:
   * only the characters can be checked, the length depends on the message.
   */
  static Optional<String> kafkaTopicTemplate(String template, String sample) {
    if (!KAFKA_TOPIC_CHARS.matcher(sample).matches()) {
      return Optional.of("template '" + template + "' has characters a Kafka topic name cannot hold (a-z A-Z 0-9 . _ - only)");
    }
    return Optional.empty();
  }

  /** A subject to subscribe to: wildcards allowed ({@code *} as a token, {@code >} as the last token). */
  static Optional<String> consumedSubject(String subject) {
    Optional<String> shape = subjectShape(subject, subject);
    if (shape.isPresent()) {
      return shape;
    }
    String[] tokens = subject.split("\\.", -1);
    for (int i = 0; i < tokens.length; i++) {
      String token = tokens[i];
      if (token.contains(">") && (!token.equals(">") || i != tokens.length - 1)) {
        return Optional.of("'>' must be a whole token and the last one, in subject '" + subject + "'");
      }
      if (token.contains("*") && !token.equals("*")) {
        return Optional.of("'*' must be a whole token, in subject '" + subject + "'");
      }
    }
    return Optional.empty();
  }

  /** A subject to publish to, as a message will have it: no wildcard, no empty token, no whitespace. */
  public static Optional<String> publishedSubject(String subject) {
    return publishedSubject(subject, subject);
  }

  /**
   * The literal parts of a subject template, given as a sample with each placeholder replaced by a plain
   * token; what a placeholder yields is checked per message, by {@link #publishedSubject(String)}.
   */
  static Optional<String> publishedSubjectTemplate(String template, String sample) {
    return publishedSubject(sample, template);
  }

  /** Checks {@code subject}; messages show {@code shown}, the subject or template as written. */
  private static Optional<String> publishedSubject(String subject, String shown) {
    Optional<String> shape = subjectShape(subject, shown);
    if (shape.isPresent()) {
      return shape;
    }
    if (subject.contains("*") || subject.contains(">")) {
      return Optional.of("subject '" + shown + "' has a wildcard; a published subject cannot have one");
    }
    return Optional.empty();
  }

  /** Whitespace, control characters and empty tokens, which no subject may have; messages show {@code shown}. */
  private static Optional<String> subjectShape(String subject, String shown) {
    for (int i = 0; i < subject.length(); i++) {
      char c = subject.charAt(i);
      if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
        return Optional.of("subject '" + shown + "' has whitespace");
      }
      if (Character.isISOControl(c)) {
        return Optional.of("subject '" + shown + "' has a control character");
      }
    }
    if (subject.isEmpty() || subject.startsWith(".") || subject.endsWith(".") || subject.contains("..")) {
      return Optional.of("subject '" + shown + "' has an empty token");
    }
    return Optional.empty();
  }

  /**
   * A name the NATS server accepts for a stream or durable consumer; route names follow it too, because
   * a route's name becomes the default durable and Kafka group id ({@code bridge-<route>}).
   */
  static Optional<String> natsName(String name) {
    if (name.isEmpty()) {
      return Optional.of("must not be empty");
    }
    if (NATS_NAME_FORBIDDEN.matcher(name).matches()) {
      return Optional.of("'" + name + "' must not contain '.', '*', '>', '/', '\\', whitespace or control characters");
    }
    return Optional.empty();
  }

  /** A queue group name: NATS only forbids whitespace (and emptiness). */
  static Optional<String> queueGroup(String name) {
    if (name.isEmpty() || WHITESPACE.matcher(name).matches()) {
      return Optional.of("queue group '" + name + "' must not be empty or contain whitespace");
    }
    return Optional.empty();
  }
}
