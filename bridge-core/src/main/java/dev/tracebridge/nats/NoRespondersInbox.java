package dev.tracebridge.nats;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.support.Status;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a sink that publishes answers to NATS requesters when a requester has gone. A core publish reaches
 * whoever is subscribed, or nobody, and says nothing either way; but when a publish carries a reply subject
 * and nothing is subscribed to its subject, the server sends a {@code 503} "no responders" status to the
 * publisher's own subscription on that reply subject (jnats asks for it in CONNECT unless
 * {@code noNoResponders} is set, which the bridge never sets). So each answer is published with a reply
 * subject of this inbox ({@code <inbox>.<n>}), one wildcard subscription on the same connection receives the
 * statuses, and {@code onNoResponders} is told the subject of the answer that found nobody.
 *
 * <p>This only observes: the answer's confirmation stays the flush, and a status never fails or retries it.
 * A requester whose client still holds a subscription on its inbox (jnats's shared request inbox after a
 * timeout) is not gone for the server: its client receives the late answer and discards it.
 *
 * <p>The subject of an answer is remembered in a ring of the last {@value #REMEMBERED} answers, for the
 * DEBUG line only; an older one is reported as unknown.
 */
public final class NoRespondersInbox {

  private static final Logger LOG = LoggerFactory.getLogger(NoRespondersInbox.class);
  static final int REMEMBERED = 4096;

  private final Consumer<String> onNoResponders;
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicReferenceArray<String> subjects = new AtomicReferenceArray<>(REMEMBERED);
  private volatile String prefix;

  /** {@code onNoResponders} runs on jnats's dispatcher thread with the subject, or null when forgotten. */
  public NoRespondersInbox(Consumer<String> onNoResponders) {
    this.onNoResponders = onNoResponders;
  }

  /**
   * Subscribes on the sink's connection (jnats subscribes again after every reconnect). Until then
   * {@link #replyTo} gives null and answers go out without a reply subject.
   */
  void subscribe(Connection connection) {
    String inbox = connection.createInbox();
    Dispatcher dispatcher = connection.createDispatcher(this::onMessage);
    dispatcher.subscribe(inbox + ".*");
    prefix = inbox + ".";
  }

  boolean isSubscribed() {
    return prefix != null;
  }

  /** The reply subject for one answer to {@code subject}, or null before the subscription exists. */
  String replyTo(String subject) {
    String p = prefix;
    if (p == null) {
      return null;
    }
    long n = sequence.incrementAndGet();
    subjects.set((int) (n % REMEMBERED), subject);
    return p + n;
  }

  private void onMessage(Message message) {
    if (!message.isStatusMessage() || message.getStatus().getCode() != Status.NO_RESPONDERS_CODE) {
      LOG.debug("ignored a message on the bridge's reply inbox {}", message.getSubject());
      return;
    }
    onNoResponders.accept(subjectOf(message.getSubject()));
  }

  private String subjectOf(String replyTo) {
    try {
      long n = Long.parseLong(replyTo.substring(replyTo.lastIndexOf('.') + 1));
      long newest = sequence.get();
      return newest - n < REMEMBERED ? subjects.get((int) (n % REMEMBERED)) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
