package dev.tracebridge.route;

import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.Reply;
import dev.tracebridge.message.SendReceipt;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A sink whose answers the test decides: per message, confirm, fail with an error of a given
 * {@link ErrorClass}, or hold the confirmation until the test releases it. Answers arrive on a thread of
 * the sink's own, as a client's I/O thread would send them. Records every attempt and every confirmed
 * message in order.
 */
final class InMemorySink implements Sink {

  /** What the sink does with one send. */
  sealed interface Answer {
    Answer CONFIRM = new Confirm();
    Answer HOLD = new Hold();

    static Answer fail(ErrorClass errorClass) {
      return new Fail(errorClass);
    }

    /** Fails before {@code send} returns, as a Kafka producer that finds no metadata within max.block.ms. */
    static Answer failAtOnce(ErrorClass errorClass) {
      return new FailAtOnce(errorClass);
    }
  }

  record Confirm() implements Answer {
  }

  record Hold() implements Answer {
  }

  record Fail(ErrorClass errorClass) implements Answer {
  }

  record FailAtOnce(ErrorClass errorClass) implements Answer {
  }

  /** A failure that carries its class, so that {@link #classify} can tell. */
  static final class ClassifiedFailure extends RuntimeException {
    final ErrorClass errorClass;

    ClassifiedFailure(ErrorClass errorClass) {
      super(errorClass + " failure");
      this.errorClass = errorClass;
    }
  }

  private final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "in-memory-sink-io");
    t.setDaemon(true);
    return t;
  });
  private volatile Function<String, Answer> answers = id -> Answer.CONFIRM;
  final List<String> attempts = new CopyOnWriteArrayList<>();
  final List<String> confirmed = new CopyOnWriteArrayList<>();
  final List<OutboundMessage> delivered = new CopyOnWriteArrayList<>();
  private final java.util.Set<CompletableFuture<SendReceipt>> unanswered = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final List<Runnable> held = new ArrayList<>();
  private volatile boolean connected = true;
  private volatile boolean started;
  /** Answers like a NATS request sink: each confirmation carries the reply {@code re:<id>}. */
  private volatile boolean replies;

  /** Set while answers wait: sends are decided but their outcomes are not given before {@link #openGate}. */
  private volatile CountDownLatch gate;

  /** From now on outcomes (confirmations, failures) wait until {@link #openGate}, in their order. */
  void closeGate() {
    gate = new CountDownLatch(1);
  }

  /** Lets the outcomes that waited, and later ones, through. */
  void openGate() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  private void passGate() {
    CountDownLatch g = gate;
    if (g != null) {
      try {
        g.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Decides the answer for each message id ({@code <lane>:<seq>}); applies to sends from now on. */
  void answer(Function<String, Answer> answers) {
    this.answers = answers;
  }

  /** Confirms every send held so far. */
  void releaseHeld() {
    List<Runnable> release;
    synchronized (held) {
      release = new ArrayList<>(held);
      held.clear();
    }
    release.forEach(io::execute);
  }

  int heldCount() {
    synchronized (held) {
      return held.size();
    }
  }

  /** From now on each confirmation carries a reply, {@code re:<id>}, as a request's does. */
  InMemorySink answeringWithReplies() {
    this.replies = true;
    return this;
  }

  void connected(boolean connected) {
    this.connected = connected;
  }

  @Override
  public void start() {
    started = true;
  }

  @Override
  public boolean isConnected() {
    return started && connected;
  }

  @Override
  public CompletableFuture<SendReceipt> send(OutboundMessage message) {
    String id = new String(message.payload(), StandardCharsets.UTF_8);
    attempts.add(id);
    CompletableFuture<SendReceipt> result = new CompletableFuture<>();
    Runnable confirm = () -> {
      confirmed.add(id);
      delivered.add(message);
      result.complete(replies
          ? SendReceipt.answered(message.destination(),
              new Reply(("re:" + id).getBytes(StandardCharsets.UTF_8), MessageHeaders.empty()))
          : SendReceipt.nats(message.destination()));
    };
    Answer answer = message.destination().contains(" ") ? Answer.fail(ErrorClass.MESSAGE) : answers.apply(id);
    if (answer instanceof FailAtOnce failAtOnce) {
      result.completeExceptionally(new ClassifiedFailure(failAtOnce.errorClass()));
      return result;
    }
    try {
      if (answer instanceof Fail fail) {
        io.execute(() -> {
          passGate();
          result.completeExceptionally(new ClassifiedFailure(fail.errorClass()));
        });
      } else if (answer instanceof Hold) {
        synchronized (held) {
          held.add(confirm);
        }
        return result;
      } else {
        io.execute(() -> {
          passGate();
          confirm.run();
        });
      }
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      result.completeExceptionally(new ClassifiedFailure(ErrorClass.TRANSIENT));
    }
    unanswered.add(result);
    result.whenComplete((r, e) -> unanswered.remove(result));
    return result;
  }

  @Override
  public ErrorClass classify(Throwable error) {
    return error instanceof ClassifiedFailure f ? f.errorClass : ErrorClass.UNKNOWN;
  }

  @Override
  public void flush(Duration timeout) {
    // held sends stay held: a flush cannot force a destination to answer; it waits for the others
    try {
      CompletableFuture.allOf(unanswered.toArray(CompletableFuture[]::new))
          .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // a failed send reports itself through its own future; a timeout leaves the rest to the caller
    }
  }

  @Override
  public void close() {
    io.shutdownNow();
  }
}
