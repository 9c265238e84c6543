package dev.tracebridge.route;

import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * One ordering unit of a route (a Kafka partition, a NATS subject): the messages waiting to be sent, in
 * arrival order, and whether the lane is held while one of its messages is retried.
 *
 * <p>While open, a lane sends each message as it arrives, many in flight at once; the sinks keep the
 * order of their sends. When a send fails and is to be retried, the lane closes: the failed message and
 * every later one that fails after it go back into {@link #waiting} in arrival order, nothing new is sent,
 * and once the backoff has passed and no send of the lane is still unresolved, the earliest waiting
 * message is tried alone (the probe). Its success opens the lane again. So a retry never lets a later
 * message of its lane overtake it. Touched only by the route's own thread.
 */
final class Lane {

  final String key;
  final PriorityQueue<Delivery> waiting = new PriorityQueue<>(Comparator.comparingLong(d -> d.sequence));
  /** Sends of this lane not yet confirmed or failed. */
  int inFlight;
  /** Closed while a failed message waits for its retry: nothing else of the lane is sent. */
  boolean held;
  /** Held because the destination is out (transient), which also pauses the route's source. */
  boolean heldForOutage;
  /** The backoff timer is set; when it fires the lane may probe. */
  boolean backoffPending;
  /** The message being retried alone; null when none is. */
  Delivery probe;
  /** Consecutive transient failures of this lane, for the backoff; reset by a success. */
  int outageFailures;
  /**
   * A request route ({@code reply.to.kafka}): the messages whose request went out and whose reply has not yet
   * been handed to the reply producer, by arrival order. Replies leave in this order, so that a service that
   * answers out of order (or a retried request) does not reorder the lane's replies in Kafka.
   */
  final TreeMap<Long, Delivery> awaitingReply = new TreeMap<>();

  Lane(String key) {
    this.key = key;
  }

  boolean isIdle() {
    return waiting.isEmpty() && inFlight == 0 && !held && awaitingReply.isEmpty();
  }
}
