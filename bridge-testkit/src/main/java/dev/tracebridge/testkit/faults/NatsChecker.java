package dev.tracebridge.testkit.faults;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Listens to a core NATS destination from before the run starts, since core NATS keeps nothing to
 * read later. Order is checked per destination subject and source lane. The subscriber's own pending
 * limits are lifted, so that a drop counted here is the bridge's, not the checker's.
 */
public final class NatsChecker implements Checker {

  private final Connection connection;
  private final Arrivals arrivals = new Arrivals();
  private final AtomicLong received = new AtomicLong();

  public NatsChecker(String url, String subject, String run) throws Exception {
    this.connection = Nats.connect(new Options.Builder().server(url).maxReconnects(-1)
        .reconnectWait(Duration.ofMillis(200)).errorListener(new QuietErrorListener()).build());
    Dispatcher dispatcher = connection.createDispatcher(msg -> {
      received.incrementAndGet();
      Stamp stamp = Stamp.parse(msg.getData(), run);
      if (stamp != null) {
        arrivals.arrived(msg.getSubject() + "/" + stamp.lane(), stamp);
      }
    });
    dispatcher.setPendingLimits(-1, -1);
    dispatcher.subscribe(subject);
    connection.flush(Duration.ofSeconds(10));
  }

  @Override
  public long progress() {
    return received.get();
  }

  @Override
  public Arrivals readAll() {
    return arrivals;
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
