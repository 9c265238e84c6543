package dev.tracebridge.nats;

import dev.tracebridge.route.ErrorClass;
import io.nats.client.AuthenticationException;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamStatusException;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * What a failed NATS or JetStream publish means for the message, shared by {@link NatsSink} and
 * {@link JetStreamSink}. The whole cause chain is read, because jnats wraps JetStream errors in
 * {@code RuntimeException} and {@code CompletionException}. First match wins:
 *
 * <table>
 *   <caption>NATS error classes</caption>
 *   <tr><th>Failure</th><th>Class</th></tr>
 *   <tr><td>"Permissions Violation", "Authorization Violation", {@link AuthenticationException},
 *       {@link PublishDeniedException}</td><td>FATAL</td></tr>
 *   <tr><td>{@link JetStreamApiException} about the message: message or header over the stream's maximum
 *       (10054, 10097), a failed {@code Nats-Expected-*} check (10070, 10071, 10164), an invalid TTL
 *       (10165, 10166)</td><td>MESSAGE</td></tr>
 *   <tr><td>{@link JetStreamApiException} with status 503, or a full stream (10077 "maximum ... exceeded"),
 *       or insufficient resources (10023)</td><td>TRANSIENT</td></tr>
 *   <tr><td>{@link IllegalArgumentException}: invalid subject, payload over the server's
 *       {@code max_payload}, a header NATS cannot carry</td><td>MESSAGE</td></tr>
 *   <tr><td>no responders (status 503, no stream for the subject or a leader election), timeouts,
 *       cancelled requests (jnats cancels them on disconnect), {@link IOException}, "Output queue is full"
 *       or "busy", not connected, reconnecting, connection closed or draining, a sink closed while
 *       stopping, {@link ConnectionChangedException}</td><td>TRANSIENT</td></tr>
 *   <tr><td>anything else</td><td>UNKNOWN</td></tr>
 * </table>
 *
 * <p>A JetStream API error not listed is UNKNOWN: retried a few times, then dead-lettered, rather than
 * retried for ever or dead-lettered at once on a guess.
 */
final class NatsErrors {

  /** JetStream API errors that concern the message itself, never the stream's state. */
  private static final Set<Integer> MESSAGE_API_ERRORS = Set.of(10054, 10097, 10070, 10071, 10164, 10165, 10166);
  /** JetStream API errors that pass when the stream or the cluster recovers. */
  private static final Set<Integer> TRANSIENT_API_ERRORS = Set.of(10023, 10077);
  private static final int MAX_DEPTH = 16;

  private NatsErrors() {
  }

  static ErrorClass classify(Throwable error) {
    if (error == null) {
      return ErrorClass.UNKNOWN;
    }
    if (anyInChain(error, NatsErrors::isFatal)) {
      return ErrorClass.FATAL;
    }
    ErrorClass api = apiErrorClass(error);
    if (api != null) {
      return api;
    }
    if (anyInChain(error, e -> e instanceof IllegalArgumentException)) {
      return ErrorClass.MESSAGE;
    }
    if (anyInChain(error, NatsErrors::isTransient)) {
      return ErrorClass.TRANSIENT;
    }
    return ErrorClass.UNKNOWN;
  }

  /**
   * True when the server's last error says that this connection may not publish to {@code subject}. The
   * server answers a denied publish only with an asynchronous {@code -ERR} (a core publish then looks
   * flushed, a JetStream publish times out), so the sinks look here before they trust either outcome.
   */
  static boolean publishDenied(Connection connection, String subject) {
    String last = connection.getLastError();
    if (last == null) {
      return false;
    }
    String lower = last.toLowerCase(Locale.ROOT);
    return lower.contains("permissions violation for publish") && last.contains("\"" + subject + "\"");
  }

  private static boolean isFatal(Throwable e) {
    if (e instanceof AuthenticationException || e instanceof PublishDeniedException) {
      return true;
    }
    String m = lowerMessage(e);
    return m.contains("permissions violation") || m.contains("authorization violation")
        || m.contains("user authentication");
  }

  private static ErrorClass apiErrorClass(Throwable error) {
    Throwable e = error;
    for (int depth = 0; e != null && depth < MAX_DEPTH; depth++, e = e.getCause()) {
      if (e instanceof JetStreamApiException api) {
        if (MESSAGE_API_ERRORS.contains(api.getApiErrorCode())) {
          return ErrorClass.MESSAGE;
        }
        if (api.getErrorCode() == 503 || TRANSIENT_API_ERRORS.contains(api.getApiErrorCode())) {
          return ErrorClass.TRANSIENT;
        }
        return ErrorClass.UNKNOWN;
      }
    }
    return null;
  }

  private static boolean isTransient(Throwable e) {
    if (e instanceof TimeoutException || e instanceof CancellationException || e instanceof IOException
        || e instanceof ConnectionChangedException || e instanceof JetStreamStatusException) {
      return true;
    }
    String m = lowerMessage(e);
    return m.contains("no responders") || m.contains("503")
        || m.contains("output queue is full") || m.contains("output queue is busy")
        || m.contains("not connected") || m.contains("reconnect")
        || m.contains("connection is closed") || m.contains("connection is draining")
        || m.contains("sink is closed") || m.contains("sink closed") || m.contains("timeout")
        || m.contains("timed out");
  }

  private static boolean anyInChain(Throwable error, Predicate<Throwable> test) {
    Throwable e = error;
    for (int depth = 0; e != null && depth < MAX_DEPTH; depth++, e = e.getCause()) {
      if (test.test(e)) {
        return true;
      }
    }
    return false;
  }

  private static String lowerMessage(Throwable e) {
    String m = e.getMessage();
    return m == null ? "" : m.toLowerCase(Locale.ROOT);
  }

  /**
   * A publish whose connection was replaced (a reconnect) before the flush that would have confirmed it:
   * the message may have died with the old socket, so the route sends it again.
   */
  static final class ConnectionChangedException extends IOException {
    private static final long serialVersionUID = 1L;

    ConnectionChangedException(String message) {
      super(message);
    }
  }

  /** The server refused this connection a publish to the subject ({@code Permissions Violation}). */
  static final class PublishDeniedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PublishDeniedException(String subject) {
      super("NATS denied publishing to " + subject + " (Permissions Violation for Publish)");
    }
  }
}
