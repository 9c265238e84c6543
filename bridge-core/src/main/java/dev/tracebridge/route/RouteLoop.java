package dev.tracebridge.route;

import dev.tracebridge.logging.MessageLogContext;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The route's own thread, {@code bridge-route-<name>}, and the two queues that feed it: messages from the
 * source and outcomes from the sinks. Other threads only add to a queue; the route's thread takes them in
 * batches, one executor task per batch rather than per message, and always settles the outcomes already
 * known before it admits new messages, so that a failure it could know of holds its lane before anything
 * later is sent.
 *
 * <p>Lines logged on this thread carry the MDC key {@code route}; the message ids a task sets are cleared
 * after it ({@link MessageLogContext}).
 */
final class RouteLoop {

  private final ScheduledThreadPoolExecutor executor;
  private final ConcurrentLinkedQueue<ReceivedMessage> incoming = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Runnable> outcomes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean admitScheduled = new AtomicBoolean();
  private final AtomicBoolean settleScheduled = new AtomicBoolean();
  private final Consumer<ReceivedMessage> admit;
  private final Consumer<ReceivedMessage> refuse;

  /**
   * @param admit  what the route's thread does with each message from the source
   * @param refuse what happens to a message handed over after the loop stopped (it goes back unacknowledged)
   */
  RouteLoop(String routeName, Consumer<ReceivedMessage> admit, Consumer<ReceivedMessage> refuse) {
    this.admit = admit;
    this.refuse = refuse;
    this.executor = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(MessageLogContext.forRoute(routeName, runnable), "bridge-route-" + routeName);
      thread.setDaemon(true);
      return thread;
    }) {
      @Override
      protected void afterExecute(Runnable task, Throwable error) {
        MessageLogContext.leave(); // each task sets the ids of the message it turns to
      }
    };
    executor.setRemoveOnCancelPolicy(true);
    // at close, pending backoff timers are dropped: the route abandons the messages they were for
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /** From the source's thread: queue a message for the route's thread. */
  void admitLater(ReceivedMessage message) {
    incoming.add(message);
    if (admitScheduled.compareAndSet(false, true) && !execute(this::admitQueued)) {
      refuseQueued();
    }
  }

  /** From a sink's callback: queue an outcome for the route's thread. */
  void settleLater(Runnable outcome) {
    outcomes.add(outcome);
    if (settleScheduled.compareAndSet(false, true)) {
      execute(this::settleQueued);
    }
  }

  /** On the route's thread: settles every outcome queued so far. */
  void settleQueued() {
    settleScheduled.set(false); // an outcome queued from now on schedules another round
    Runnable outcome;
    while ((outcome = outcomes.poll()) != null) {
      outcome.run();
    }
  }

  private void admitQueued() {
    admitScheduled.set(false); // a message queued from now on schedules another round
    settleQueued();
    ReceivedMessage message;
    while ((message = incoming.poll()) != null) {
      admit.accept(message);
    }
  }

  private void refuseQueued() {
    ReceivedMessage message;
    while ((message = incoming.poll()) != null) {
      refuse.accept(message);
    }
  }

  /** Runs a task on the route's thread; false when the loop has stopped. */
  boolean execute(Runnable task) {
    try {
      executor.execute(task);
      return true;
    } catch (RejectedExecutionException stopped) {
      return false;
    }
  }

  /** Runs a task on the route's thread after a delay, outcomes already known settled first. */
  void schedule(Runnable task, Duration delay) {
    try {
      executor.schedule(() -> {
        settleQueued();
        task.run();
      }, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopped) {
      // the route is closed; what the task was for has been abandoned
    }
  }

  void scheduleWithFixedDelay(Runnable task, Duration delay) {
    executor.scheduleWithFixedDelay(task, 0, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Lets the tasks already queued finish (up to the timeout), then stops the thread. */
  void stop(Duration timeout) throws InterruptedException {
    executor.shutdown();
    executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    executor.shutdownNow();
    refuseQueued();
  }
}
