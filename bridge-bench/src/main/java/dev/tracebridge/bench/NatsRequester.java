package dev.tracebridge.bench;

import io.nats.client.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A NATS requester keeping N jnats requests outstanding (closed loop: each reply, or failure, sends the next) over
 * {@code subjects} in turn, so that requests through the bridge spread over the Kafka keys the subjects make.
 * jnats completes the futures on its own thread, which only records and sends the next request.
 */
final class NatsRequester {

  /** A lost request counts as an error after this, and its slot goes on; the bridge's routes answer well within. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final Connection connection;
  private final List<String> subjects;
  private final byte[] payload;
  private final AtomicLong sent = new AtomicLong();

  NatsRequester(Connection connection, List<String> subjects, int payloadSize) {
    this.connection = connection;
    this.subjects = List.copyOf(subjects);
    this.payload = new byte[payloadSize];
  }

  /**
   * Keeps {@code concurrency} requests outstanding for warm-up plus the measured time, then waits for the rest;
   * {@code cpuMicros} is read when the measured interval starts and ends.
   */
  Recorder roundTrips(int concurrency, Duration warm, Duration measure, Duration timeout, LongSupplier cpuMicros)
      throws InterruptedException {
    Recorder recorder = new Recorder();
    long warmEnd = System.nanoTime() + warm.toNanos();
    long end = warmEnd + measure.toNanos();
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      fire(recorder, warmEnd, end, done);
    }
    done.await(warmEnd - System.nanoTime(), TimeUnit.NANOSECONDS); // returns at warmEnd: the slots go on
    recorder.cpuStart = cpuMicros.getAsLong();
    done.await(end - System.nanoTime(), TimeUnit.NANOSECONDS);
    recorder.cpuEnd = cpuMicros.getAsLong();
    if (!done.await(timeout.toNanos() + REQUEST_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException(done.getCount() + " NATS requests did not finish");
    }
    return recorder;
  }

  /** Requests sent so far, warm-up included. */
  long sent() {
    return sent.get();
  }

  private void fire(Recorder recorder, long warmEnd, long end, CountDownLatch done) {
    long n = sent.getAndIncrement();
    String subject = subjects.get((int) (n % subjects.size()));
    long start = System.nanoTime();
    connection.requestWithTimeout(subject, payload, REQUEST_TIMEOUT).whenComplete((reply, error) -> {
      long now = System.nanoTime();
      if (error != null) {
        recorder.errors.incrementAndGet();
      } else if (start >= warmEnd && now <= end) {
        recorder.add(now - start);
      }
      if (now < end) {
        fire(recorder, warmEnd, end, done);
      } else {
        done.countDown();
      }
    });
  }
}
