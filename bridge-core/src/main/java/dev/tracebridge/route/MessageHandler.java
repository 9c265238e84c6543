package dev.tracebridge.route;

/**
 * Where a source pushes what it receives: the route. Neither method blocks, so a source's consuming
 * thread keeps polling (heartbeats, commits and rebalance callbacks go on) whatever the destination does.
 */
public interface MessageHandler {

  /**
   * Takes one message. Called from the source's consuming thread, in source order within each lane.
   * Always accepts, even beyond the route's window (a batch the client already fetched is handed over
   * whole); {@link #hasRoom} is how the route asks the source to stop fetching.
   */
  void onMessage(ReceivedMessage message);

  /**
   * False while the route's in-flight window is full or its destination is in a transient outage. The
   * source then stops fetching (Kafka: pauses its partitions and keeps polling; JetStream: stops
   * pulling; core NATS: leaves messages in the client's bounded buffer) and asks again, at least every
   * few hundred milliseconds, resuming when it is true.
   */
  default boolean hasRoom() {
    return true;
  }
}
