package dev.tracebridge.testkit.faults;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes stamped messages on {@code <prefix>.l0 ... <prefix>.l<N-1>} (a subject is a lane), round
 * robin, at a steady rate on its own thread, to core NATS or to JetStream. A JetStream message counts
 * as sent once the stream acknowledged it; a core NATS message once it was published, since core NATS
 * confirms nothing (what no subscriber took is then counted as lost, and said so).
 */
public final class NatsDriver implements AutoCloseable {

  private static final int MAX_PENDING_ACKS = 2_000;

  private final String prefix;
  private final int lanes;
  private final String run;
  private final int payloadBytes;
  private final boolean jetStream;
  private final Connection connection;
  private final SentLog sent = new SentLog();
  private final AtomicInteger attempted = new AtomicInteger();
  private volatile Thread thread;

  private NatsDriver(String url, String prefix, int lanes, String run, int payloadBytes, boolean jetStream)
      throws Exception {
    this.prefix = prefix;
    this.lanes = lanes;
    this.run = run;
    this.payloadBytes = payloadBytes;
    this.jetStream = jetStream;
    this.connection = Nats.connect(new Options.Builder().server(url).maxReconnects(-1)
        .reconnectWait(Duration.ofMillis(200)).errorListener(new QuietErrorListener()).build());
  }

  /** A driver publishing into JetStream (the stream must cover {@code <prefix>.>}). */
  public static NatsDriver jetStream(String url, String prefix, int lanes, String run, int payloadBytes)
      throws Exception {
    return new NatsDriver(url, prefix, lanes, run, payloadBytes, true);
  }

  /** A driver publishing on core NATS. */
  public static NatsDriver core(String url, String prefix, int lanes, String run, int payloadBytes)
      throws Exception {
    return new NatsDriver(url, prefix, lanes, run, payloadBytes, false);
  }

  public NatsDriver start(int total, int perSecond) {
    thread = new Thread(() -> publish(total, perSecond), "fault-nats-driver");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  public SentLog sent() {
    return sent;
  }

  public int attempted() {
    return attempted.get();
  }

  public boolean done() {
    Thread t = thread;
    return t != null && !t.isAlive();
  }

  private void publish(int total, int perSecond) {
    int[] next = new int[lanes];
    Semaphore pending = new Semaphore(MAX_PENDING_ACKS);
    long start = System.nanoTime();
    try {
      JetStream js = jetStream ? connection.jetStream() : null;
      for (int i = 0; i < total; i++) {
        int lane = i % lanes;
        String subject = prefix + ".l" + lane;
        Stamp stamp = new Stamp(run, subject, next[lane]++);
        byte[] payload = stamp.encode(payloadBytes);
        if (js == null) {
          connection.publish(subject, payload);
          sent.sent(stamp.lane(), stamp.seq());
        } else {
          pending.acquire();
          try {
            js.publishAsync(subject, payload).whenComplete((ack, error) -> {
              pending.release();
              if (error == null && ack != null && !ack.hasError()) {
                sent.sent(stamp.lane(), stamp.seq());
              }
            });
          } catch (RuntimeException e) {
            pending.release(); // not taken by the stream: not sent, so never counted as lost
          }
        }
        attempted.incrementAndGet();
        Pace.keep(start, i + 1, perSecond);
      }
      pending.tryAcquire(MAX_PENDING_ACKS, 60, TimeUnit.SECONDS);
      connection.flush(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // a flush that timed out during a server restart: what was acknowledged is in the log already
    }
  }

  @Override
  public void close() throws InterruptedException {
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
    connection.close();
  }
}
