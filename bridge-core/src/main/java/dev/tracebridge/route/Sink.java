package dev.tracebridge.route;

import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes to one broker, asynchronously. {@link #send} returns at once (it may block only while the
 * client's own buffer is full) and its future completes when the destination confirmed the message:
 * Kafka's produce acknowledgement, JetStream's publish ack, or a core NATS flush. Sends of one route
 * reach the broker in the order they were called.
 */
public interface Sink extends AutoCloseable {

  /** Connects in the background; never throws because the broker is unreachable. */
  void start();

  /** True while the sink is connected and can publish. */
  boolean isConnected();

  /**
   * Publishes one message; never throws and never blocks for long (a Kafka producer waits at most its
   * short {@code max.block.ms}). Every failure, immediate or later, completes the future exceptionally.
   * The future may complete on a client's I/O thread: callers only record the outcome there.
   */
  CompletableFuture<SendReceipt> send(OutboundMessage message);

  /** What a failure of {@link #send} means for the message; see {@link ErrorClass}. */
  ErrorClass classify(Throwable error);

  /** Like {@link Source#reconnects}: for the sink's own connection. */
  default long reconnects() {
    return 0;
  }

  /** Waits up to the timeout for every send to be confirmed or failed. */
  void flush(Duration timeout);

  @Override
  void close();
}
