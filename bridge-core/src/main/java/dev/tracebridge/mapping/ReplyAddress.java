package dev.tracebridge.mapping;

import dev.tracebridge.config.NamingRules;
import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * How a NATS requester is named in Kafka: Spring Kafka's request-reply headers, with a correlation id that
 * is the requester's reply subject itself ({@code nats:} + subject, UTF-8). Whichever bridge instance reads
 * the answer can then deliver it, with no state shared between instances and none kept per request.
 */
public final class ReplyAddress {

  /** Spring Kafka's {@code KafkaHeaders.REPLY_TOPIC}: where the service should answer. */
  public static final String REPLY_TOPIC = "kafka_replyTopic";
  /** Spring Kafka's {@code KafkaHeaders.CORRELATION_ID}: copied by the service onto its answer. */
  public static final String CORRELATION_ID = "kafka_correlationId";

  private static final String PREFIX = "nats:";
  private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.US_ASCII);

  private ReplyAddress() {
  }

  /** The correlation id that names this reply subject. */
  public static byte[] correlationId(String replySubject) {
    return (PREFIX + replySubject).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Replaces any upstream {@code kafka_replyTopic} and {@code kafka_correlationId} (a request relayed twice
   * must not carry two of each) with the ones that bring the answer back to {@code replySubject}.
   */
  static void addRequestHeaders(MessageHeaders.Builder headers, String replyTopic, String replySubject) {
    headers.remove(REPLY_TOPIC).remove(CORRELATION_ID)
        .add(new Header(REPLY_TOPIC, replyTopic.getBytes(StandardCharsets.UTF_8)))
        .add(new Header(CORRELATION_ID, correlationId(replySubject)));
  }

  /** What the correlation id of an answer says: the requester's subject, or why the answer is not the bridge's. */
  public static Decoded decode(MessageHeaders headers) {
    Optional<Header> header = headers.first(CORRELATION_ID);
    if (header.isEmpty() || header.get().value() == null || header.get().value().length == 0) {
      return new Decoded(null, DropReason.NO_CORRELATION_ID);
    }
    byte[] value = header.get().value();
    if (value.length <= PREFIX_BYTES.length
        || !Arrays.equals(value, 0, PREFIX_BYTES.length, PREFIX_BYTES, 0, PREFIX_BYTES.length)) {
      return new Decoded(null, DropReason.FOREIGN_CORRELATION_ID);
    }
    String subject = new String(value, PREFIX_BYTES.length, value.length - PREFIX_BYTES.length, StandardCharsets.UTF_8);
    // the publish rule bridge validate applies (no wildcard, empty token, whitespace or control character);
    // a malformed UTF-8 sequence decodes to U+FFFD, which that rule lets through, so it is refused here
    if (NamingRules.publishedSubject(subject).isPresent() || subject.indexOf('\uFFFD') >= 0) {
      return new Decoded(null, DropReason.INVALID_SUBJECT);
    }
    return new Decoded(subject, null);
  }

  /** A decoded correlation id: exactly one of {@code subject} and {@code dropReason} is set. */
  public record Decoded(String subject, DropReason dropReason) {
    public boolean isOurs() {
      return subject != null;
    }
  }

  /** Why an answer on the reply topic is not delivered; the {@code reason} label of the drop counter. */
  public enum DropReason {
    /** No {@code kafka_correlationId}, or an empty one. */
    NO_CORRELATION_ID("no-correlation-id"),
    /** A correlation id not made by the bridge (another requester shares the reply topic). */
    FOREIGN_CORRELATION_ID("foreign-correlation-id"),
    /** {@code nats:} followed by something NATS cannot publish to. */
    INVALID_SUBJECT("invalid-subject"),
    /** Published, and the server said nobody listens on the reply subject: the requester has gone. */
    NO_RESPONDERS("no-responders");

    private final String label;

    DropReason(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }
}
