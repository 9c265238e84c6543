package dev.tracebridge.route;

/**
 * Where a source pushes what it receives. The call may block while the route's in-flight window is
 * full: that is the bridge's backpressure, so sources call it from their consuming thread.
 */
@FunctionalInterface
public interface MessageHandler {
  void onMessage(ReceivedMessage message) throws InterruptedException;
}
