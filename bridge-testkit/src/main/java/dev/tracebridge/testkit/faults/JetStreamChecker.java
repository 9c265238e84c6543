package dev.tracebridge.testkit.faults;

import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.StreamState;
import java.time.Duration;

/**
 * Reads a JetStream destination stream from its first message to its last with an ordered consumer
 * of its own (no durable, no acks), so that reading changes nothing in the stream. The stream's
 * sequence is the arrival order; order is checked per source lane.
 */
public final class JetStreamChecker implements Checker {

  private final String stream;
  private final String subjectFilter;
  private final String run;
  private final Connection connection;

  public JetStreamChecker(String url, String stream, String subjectFilter, String run) throws Exception {
    this.stream = stream;
    this.subjectFilter = subjectFilter;
    this.run = run;
    this.connection = Nats.connect(new Options.Builder().server(url).maxReconnects(-1)
        .reconnectWait(Duration.ofMillis(200)).errorListener(new QuietErrorListener()).build());
  }

  @Override
  public long progress() {
    try {
      return state().getMsgCount();
    } catch (Exception e) {
      return -1; // the server may be restarting
    }
  }

  @Override
  public Arrivals readAll() {
    Arrivals arrivals = new Arrivals();
    try {
      long last = state().getLastSequence();
      if (last == 0) {
        return arrivals;
      }
      JetStreamSubscription sub = connection.jetStream().subscribe(subjectFilter,
          PushSubscribeOptions.builder().stream(stream).ordered(true).build());
      try {
        long seq = 0;
        while (seq < last) {
          Message msg = sub.nextMessage(Duration.ofSeconds(10));
          if (msg == null) {
            throw new IllegalStateException("stream " + stream + " stopped at " + seq + " of " + last);
          }
          seq = msg.metaData().streamSequence();
          Stamp stamp = Stamp.parse(msg.getData(), run);
          if (stamp != null) {
            arrivals.arrived(stamp.lane(), stamp);
          }
        }
      } finally {
        sub.unsubscribe();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read stream " + stream, e);
    }
    return arrivals;
  }

  private StreamState state() throws Exception {
    return connection.jetStreamManagement().getStreamInfo(stream).getStreamState();
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
