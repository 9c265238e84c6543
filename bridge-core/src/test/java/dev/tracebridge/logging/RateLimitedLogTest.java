package dev.tracebridge.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class RateLimitedLogTest {

  private final RecordingLogger logger = new RecordingLogger();
  private final AtomicLong now = new AtomicLong(1_000);
  private final RateLimitedLog warnings = new RateLimitedLog(logger, Duration.ofSeconds(10), now::get);

  @Test
  void theFirstWarningIsWrittenAndThoseWithinTheIntervalAreCountedIntoTheNextLine() {
    warnings.warn("route {}: dead-lettering {}", "r", "m1");
    for (int i = 2; i <= 5; i++) {
      now.addAndGet(Duration.ofSeconds(2).toNanos());
      warnings.warn("route {}: dead-lettering {}", "r", "m" + i);
    }
    assertEquals(List.of("route r: dead-lettering m1"), logger.lines);
    assertEquals(4, warnings.suppressed());

    now.addAndGet(Duration.ofSeconds(2).toNanos()); // 10 s after the first line
    warnings.warn("route {}: dead-lettering {}", "r", "m6");
    assertEquals("route r: dead-lettering m6 (4 more like this in the last 10 s)", logger.lines.get(1));
    assertEquals(0, warnings.suppressed());

    now.addAndGet(Duration.ofSeconds(30).toNanos());
    warnings.warn("route {}: dead-lettering {}", "r", "m7");
    assertEquals("route r: dead-lettering m7", logger.lines.get(2));
  }

  @Test
  void aTrailingThrowableStaysTheLinesException() {
    IllegalStateException error = new IllegalStateException("refused");
    warnings.warn("commit failed: {}", "x", error);
    assertSame(error, logger.throwables.get(0));
    warnings.warn("commit failed: {}", "y", error);
    now.addAndGet(Duration.ofSeconds(11).toNanos());
    warnings.warn("commit failed: {}", "z", error);
    assertEquals("commit failed: z (1 more like this in the last 10 s)", logger.lines.get(1));
    assertSame(error, logger.throwables.get(1));
  }

  @Test
  void nothingIsCountedOrWrittenTwiceAcrossThreads() throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(new Thread(() -> {
        for (int i = 0; i < 1_000; i++) {
          warnings.warn("w");
        }
      }));
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join();
    }
    assertEquals(1, logger.lines.size());
    assertEquals(3_999, warnings.suppressed());
    assertNull(logger.throwables.get(0));
  }

  /** Keeps the formatted WARN lines and their exceptions. */
  private static final class RecordingLogger extends AbstractLogger {
    final List<String> lines = new ArrayList<>();
    final List<Throwable> throwables = new ArrayList<>();

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected synchronized void handleNormalizedLoggingCall(Level level, Marker marker, String pattern,
        Object[] arguments, Throwable throwable) {
      lines.add(MessageFormatter.basicArrayFormat(pattern, arguments));
      throwables.add(throwable);
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isTraceEnabled(Marker marker) {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled(Marker marker) {
      return false;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled(Marker marker) {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled(Marker marker) {
      return true;
    }
  }
}
