package dev.tracebridge.testkit.faults;

/** Reads one destination of a fault run: cheaply for progress, fully for the tally. */
public interface Checker extends AutoCloseable {

  /** Messages at the destination so far, copies included; cheap enough to poll. */
  long progress();

  /** Every stamped message at the destination, from its beginning, in arrival order. */
  Arrivals readAll();

  @Override
  void close();
}
