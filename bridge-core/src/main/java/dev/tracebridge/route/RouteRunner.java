package dev.tracebridge.route;

import dev.tracebridge.config.RetryConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.mapping.MappingException;
import dev.tracebridge.mapping.MessageMapper;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.metrics.RouteMetrics;
import dev.tracebridge.tracing.RelayTracer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one route: source → mapping and tracing → sink, with the acknowledgement flowing back to the
 * source once the sink (or the dead letter) confirmed. Sends are asynchronous; the {@link InFlightWindow}
 * bounds how many are unconfirmed, and the source's thread blocks on it (backpressure).
 *
 * <p>A failed send is tried again with exponential backoff up to {@code retry.max-attempts}. While the
 * sink is disconnected, failures do not count as attempts: an outage must not dead-letter messages.
 * A message that still cannot be delivered goes to the dead letter; without one, the route stops
 * (state FAILED), abandons what is in flight and acknowledges nothing more, so nothing is lost.
 */
public final class RouteRunner implements RouteView, MessageHandler {

  private static final Logger log = LoggerFactory.getLogger(RouteRunner.class);
  private static final Duration CONNECT_POLL = Duration.ofMillis(200);

  private final RouteConfig config;
  private final Source source;
  private final Sink sink;
  private final Optional<Sink> deadLetterSink;
  private final MessageMapper mapper;
  private final RelayTracer tracer;
  private final ScheduledExecutorService scheduler;
  private final InFlightWindow window;
  private final RouteMetrics metrics = new RouteMetrics();
  private final String sourceDescription;
  private final String destinationDescription;

  /** Changed only by compare-and-set, so that the connectivity refresh never overwrites FAILED or STOPPED. */
  private final AtomicReference<RouteState> state = new AtomicReference<>(RouteState.STARTING);
  private volatile boolean sourceStarted;
  private volatile boolean stopping;
  private volatile String lastError;

  public RouteRunner(RouteConfig config, Source source, Sink sink, Optional<Sink> deadLetterSink,
                     RelayTracer tracer, ScheduledExecutorService scheduler) {
    this.config = config;
    this.source = source;
    this.sink = sink;
    this.deadLetterSink = deadLetterSink;
    this.mapper = new MessageMapper(config.name(), config.provenanceHeaders());
    this.tracer = tracer;
    this.scheduler = scheduler;
    this.window = new InFlightWindow(config.inFlight());
    this.sourceDescription = RouteDescriptions.source(config.from());
    this.destinationDescription = RouteDescriptions.sink(config.to());
  }

  /**
   * Starts the sinks, and the source once the sinks are connected, so that nothing is consumed that
   * could not be sent. Returns at once; progress shows in {@link #state()}.
   */
  public void start() {
    source.onFatalError(this::sourceFailed);
    sink.start();
    deadLetterSink.ifPresent(Sink::start);
    scheduler.execute(this::startSourceWhenSinksConnected);
  }

  private void startSourceWhenSinksConnected() {
    if (stopping || state.get() == RouteState.FAILED) {
      return;
    }
    if (!sinksConnected()) {
      scheduler.schedule(this::startSourceWhenSinksConnected, CONNECT_POLL.toMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    source.start(this);
    sourceStarted = true;
    log.info("route {}: {} -> {} started", config.name(), sourceDescription, destinationDescription);
    scheduler.scheduleWithFixedDelay(this::refreshState, 0, CONNECT_POLL.toMillis(), TimeUnit.MILLISECONDS);
  }

  private boolean sinksConnected() {
    return sink.isConnected() && deadLetterSink.map(Sink::isConnected).orElse(true);
  }

  private void refreshState() {
    RouteState current = state.get();
    if (current == RouteState.FAILED || current == RouteState.STOPPED) {
      return;
    }
    boolean connected = source.isConnected() && sinksConnected();
    RouteState next = connected ? RouteState.RUNNING
        : current == RouteState.STARTING ? RouteState.STARTING : RouteState.DISCONNECTED;
    if (next != current && state.compareAndSet(current, next)) {
      log.info("route {}: {}", config.name(), next);
    }
  }

  @Override
  public void onMessage(ReceivedMessage received) {
    metrics.consumed();
    long size = received.message().approximateSize();
    boolean admitted;
    try {
      admitted = window.acquire(size);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      admitted = false;
    }
    if (stopping || state.get() == RouteState.FAILED || !admitted) {
      received.acknowledgement().abandon();
      return;
    }
    Delivery delivery = new Delivery(received, tracer.startProcess(received.message()));
    send(delivery);
  }

  private void send(Delivery d) {
    if (stopping || state.get() == RouteState.FAILED) {
      giveUp(d, null);
      return;
    }
    d.attempts++;
    OutboundMessage out;
    try {
      out = d.span.startSend(mapper.map(d.message(), config.to()));
    } catch (MappingException e) {
      deadLetterOrFail(d, e);
      return;
    }
    sink.send(out).whenComplete((receipt, error) -> {
      if (error == null) {
        d.span.sendConfirmed(receipt);
        delivered(d);
      } else {
        d.span.sendFailed(unwrap(error));
        sendFailed(d, unwrap(error));
      }
    });
  }

  private void sendFailed(Delivery d, Throwable error) {
    RetryConfig retry = config.retry();
    boolean outage = !sink.isConnected();
    if (stopping) {
      giveUp(d, error);
    } else if (outage || d.attempts < retry.maxAttempts()) {
      if (outage) {
        // An outage is not the message's fault: wait for the broker, backing off on its own count.
        d.attempts--;
        d.outageRetries++;
      }
      metrics.retried();
      long delay = backoffMillis(retry, outage ? d.outageRetries : Math.max(d.attempts, 1));
      log.debug("route {}: send failed ({}), retrying in {} ms", config.name(), error.toString(), delay);
      scheduler.schedule(() -> send(d), delay, TimeUnit.MILLISECONDS);
    } else {
      deadLetterOrFail(d, error);
    }
  }

  static long backoffMillis(RetryConfig retry, int attempt) {
    return Backoff.of(retry).baseMillis(attempt);
  }

  private void delivered(Delivery d) {
    d.span.end();
    metrics.produced(System.nanoTime() - d.received.receivedNanos());
    d.received.acknowledgement().ack();
    window.release(d.size);
  }

  private void deadLetterOrFail(Delivery d, Throwable error) {
    if (deadLetterSink.isEmpty()) {
      routeFailed(d, error);
      return;
    }
    SinkConfig deadLetter = config.deadLetter().orElseThrow();
    OutboundMessage out;
    try {
      out = d.span.startDeadLetterSend(mapper.deadLetter(d.message(), deadLetter, error, d.attempts));
    } catch (MappingException e) {
      e.addSuppressed(error);
      routeFailed(d, e);
      return;
    }
    log.warn("route {}: dead-lettering message from {}: {}", config.name(), d.message().position().uri(), error.toString());
    deadLetterSink.get().send(out).whenComplete((SendReceipt receipt, Throwable dlqError) -> {
      if (dlqError == null) {
        d.span.sendConfirmed(receipt);
        d.span.endFailed(error);
        metrics.deadLettered();
        d.received.acknowledgement().ack();
        window.release(d.size);
      } else {
        d.span.sendFailed(unwrap(dlqError));
        routeFailed(d, unwrap(dlqError));
      }
    });
  }

  /** Stops the route on a message that could not be delivered: it stays unacknowledged, never dropped. */
  private void routeFailed(Delivery d, Throwable error) {
    metrics.failed();
    lastError = d.message().position().uri() + ": " + error;
    if (state.getAndSet(RouteState.FAILED) != RouteState.FAILED) {
      log.error("route {} stopped: could not deliver {} and has no dead letter: {}", config.name(),
          d.message().position().uri(), error.toString());
      scheduler.execute(source::stop);
    }
    giveUp(d, error);
  }

  private void giveUp(Delivery d, Throwable error) {
    if (error != null) {
      d.span.endFailed(error);
    } else {
      d.span.end();
    }
    d.received.acknowledgement().abandon();
    window.release(d.size);
  }

  private void sourceFailed(Throwable error) {
    lastError = "source: " + error;
    state.set(RouteState.FAILED);
    log.error("route {} stopped: its source failed: {}", config.name(), error.toString());
  }

  /** Stops consuming; messages in flight may still be confirmed. */
  public void stopConsuming() {
    if (sourceStarted) {
      source.stop();
    }
  }

  /**
   * Waits for what is in flight to be confirmed, then gives up on the rest (unacknowledged, so it is
   * delivered again), commits and closes the endpoints.
   */
  public void drainAndClose(Duration timeout) throws InterruptedException {
    boolean drained = window.awaitEmpty(timeout);
    stopping = true;
    window.close();
    if (!drained) {
      log.warn("route {}: {} messages still in flight after {}; they stay unacknowledged and will be delivered again",
          config.name(), window.messages(), timeout);
    }
    sink.flush(Duration.ofSeconds(5));
    deadLetterSink.ifPresent(s -> s.flush(Duration.ofSeconds(5)));
    source.close();
    sink.close();
    deadLetterSink.ifPresent(Sink::close);
    if (state.get() != RouteState.FAILED) {
      state.set(RouteState.STOPPED); // a failed route keeps saying so until the process ends
    }
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public String source() {
    return sourceDescription;
  }

  @Override
  public String destination() {
    return destinationDescription;
  }

  @Override
  public RouteState state() {
    return state.get();
  }

  @Override
  public Optional<String> lastError() {
    return Optional.ofNullable(lastError);
  }

  @Override
  public RouteMetrics metrics() {
    return metrics;
  }
}
