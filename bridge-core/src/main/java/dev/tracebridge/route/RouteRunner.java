package dev.tracebridge.route;

import dev.tracebridge.config.ReplyConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.logging.MessageLogContext;
import dev.tracebridge.logging.RateLimitedLog;
import dev.tracebridge.mapping.MappingException;
import dev.tracebridge.mapping.MessageMapper;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SendReceipt;
import dev.tracebridge.metrics.RouteMetrics;
import dev.tracebridge.tracing.RelayTracer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one route: source → mapping and tracing → sink, with the acknowledgement flowing back to the
 * source once the sink (or the dead letter) confirmed.
 *
 * <h2>Threads</h2>
 * Everything a message goes through after the source handed it over (mapping, spans, sends, settling,
 * retries, dead-letter sends) runs on the route's own thread, {@code bridge-route-<name>}: one thread, so
 * the state below needs no locks and the order of events is the order of work. The source's thread only
 * counts the message into the {@link InFlightWindow} and queues it; a sink's callback, which may run on
 * a client's I/O thread, only queues the outcome. Neither ever blocks or runs route code. The thread
 * and its queues are the {@link RouteLoop}.
 *
 * <h2>Order and retries</h2>
 * Messages travel in {@link Lane}s (a Kafka partition, a NATS subject). A failed send is classified by
 * its sink ({@link ErrorClass}):
 * <ul>
 *   <li>TRANSIENT: the message goes back to the head of its lane, the lane is held, and the route reports
 *   {@link RouteState#RETRYING} and pauses its source ({@link #hasRoom} is false) until a retry succeeds.
 *   Retried with backoff for as long as it lasts; never dead-lettered.</li>
 *   <li>UNKNOWN: retried in place the same way (only its lane is held) up to {@code retry.max-attempts},
 *   then handled as MESSAGE.</li>
 *   <li>MESSAGE: straight to the dead letter; without one the route stops.</li>
 *   <li>FATAL: the route stops.</li>
 * </ul>
 * The dead letter follows the same rules, except that a message it refuses stops the route. A send that
 * fails before it returns (a Kafka producer without the topic's metadata) is settled at once, so that its
 * lane is held before the next message of the lane is sent.
 *
 * <h2>Request-reply ({@code reply.to.kafka})</h2>
 * On a route whose sink sends NATS requests, a message is delivered once its reply is in Kafka: the
 * request's confirmation carries the reply ({@link SendReceipt#reply}), the route's thread maps it and
 * produces it with the reply sink, and only that produce's confirmation settles (acknowledges) the message.
 * Replies leave each lane in arrival order ({@link Lane#awaitingReply}): a reply waits until every earlier
 * request of its lane was answered or left (dead letter, abandoned), and while the lane is held for a retry,
 * the replies of later messages wait too. A failed request is classified by the request sink and retried
 * as a whole (the service is asked again); a failed reply produce is classified by the reply sink and
 * only the reply is produced again.
 *
 * <h2>Stopping</h2>
 * A route that stops on an error (state FAILED) abandons every message it holds, unacknowledged, so that
 * it is delivered again after a restart: nothing is dropped. A shutdown stops the source, waits for the
 * window to empty ({@link #awaitDrained}), gives up on the rest ({@link #giveUp}) and closes the
 * endpoints ({@link #close}).
 *
 * <h2>Logs</h2>
 * The route's thread logs with the MDC key {@code route} set, and {@code trace_id}/{@code span_id} of the
 * message it is handling ({@link MessageLogContext}). Nothing is logged per message at INFO; the warning
 * for a dead-lettered message is written at most every 10 s per route, with a count of the others.
 */
public final class RouteRunner implements RouteView, MessageHandler {

  private static final Logger log = LoggerFactory.getLogger(RouteRunner.class);
  /** How often connectivity is looked at and revoked messages are swept out of held lanes. */
  private static final Duration TICK = Duration.ofMillis(200);
  /**
   * While the route starts, how often it looks whether its clients are connected, for at most
   * {@link #STARTUP_WINDOW_NANOS}: two waits of up to a tick each (sinks connected, then source connected) were
   * up to 0.4 s of the time to ready. The checks only read flags; after the window the tick takes over.
   */
  private static final Duration STARTUP_POLL = Duration.ofMillis(20);
  private static final long STARTUP_WINDOW_NANOS = Duration.ofSeconds(5).toNanos();
  /** The longest a close waits for the sinks' last confirmations before it commits what it has. */
  private static final Duration CLOSE_FLUSH = Duration.ofSeconds(5);

  private final RouteConfig config;
  private final int configVersion;
  private final Source source;
  private final Sink sink;
  private final Optional<Sink> deadLetterSink;
  /** {@code reply.to.kafka}: the producer of the replies to the route's NATS requests; null on other routes. */
  private final Sink replySink;
  private final ReplyConfig.ToKafka replyTo;
  private final MessageMapper mapper;
  private final RouteMapping mapping;
  private final RelayTracer tracer;
  private final Backoff backoff;
  private final RouteLoop loop;
  private final InFlightWindow window;
  private final RouteMetrics metrics;
  private final String sourceDescription;
  private final String destinationDescription;
  private final RateLimitedLog deadLetterWarnings = new RateLimitedLog(log);


  // Route-thread state.
  private final Map<String, Lane> lanes = new HashMap<>();
  private long nextSequence;
  private int lanesHeldForOutage;
  private int deadLettersInOutage;

  /** Changed only by compare-and-set, so that the connectivity refresh never overwrites FAILED or STOPPED. */
  private final AtomicReference<RouteState> state = new AtomicReference<>(RouteState.STARTING);
  /** A destination (or the dead letter) is in a transient outage: the source is paused. */
  private volatile boolean destinationOut;
  /** The route failed or its drain deadline passed: every message still held is abandoned. */
  private volatile boolean givingUp;
  private volatile boolean sourceStarted;
  private volatile boolean closed;
  /** When start() ran (before it hands work to the route's thread), for the window of {@link #STARTUP_POLL}. */
  private long startedNanos;
  private volatile String lastError;

  /**
   * A route whose counters and durations are registered in {@code meters} under its name; {@code configVersion}
   * is the version of the bridge's configuration it belongs to, for {@code /routes}.
   */
  public RouteRunner(RouteConfig config, Source source, Sink sink, Optional<Sink> deadLetterSink, RelayTracer tracer,
                     MeterRegistry meters, int configVersion) {
    this(config, source, sink, deadLetterSink, Optional.empty(), tracer, meters, configVersion);
  }

  /**
   * A request-reply route ({@code reply.to.kafka}) when {@code replySink} is present: {@code sink} answers each
   * send with the reply, which {@code replySink} produces into Kafka.
   */
  public RouteRunner(RouteConfig config, Source source, Sink sink, Optional<Sink> deadLetterSink,
                     Optional<Sink> replySink, RelayTracer tracer, MeterRegistry meters, int configVersion) {
    this(config, (mapper, message) -> mapper.map(message, config.to()), source, sink, deadLetterSink, replySink,
        tracer, meters, configVersion);
  }

  /**
   * Every part given: {@code mapping} turns each message into the one {@code sink} sends (a route the bridge runs
   * for itself, such as a reply relay, picks its destination per message); {@code replySink} as above.
   */
  public RouteRunner(RouteConfig config, RouteMapping mapping, Source source, Sink sink, Optional<Sink> deadLetterSink,
                     Optional<Sink> replySink, RelayTracer tracer, MeterRegistry meters, int configVersion) {
    this.mapping = mapping;
    this.replySink = replySink.orElse(null);
    this.replyTo = config.reply()
        .flatMap(r -> r.match(fromKafka -> Optional.<ReplyConfig.ToKafka>empty(), Optional::of))
        .orElse(null);
    if ((this.replySink == null) != (this.replyTo == null)) {
      throw new IllegalArgumentException("a reply sink goes with reply.to.kafka, and only with it");
    }
    this.configVersion = configVersion;
    this.config = config;
    this.metrics = new RouteMetrics(config.name(), meters);
    this.source = source;
    this.sink = sink;
    this.deadLetterSink = deadLetterSink;
    this.mapper = MessageMapper.forRoute(config);
    this.tracer = tracer;
    this.backoff = Backoff.of(config.retry());
    this.window = new InFlightWindow(config.inFlight());
    this.sourceDescription = RouteDescriptions.source(config.from());
    this.destinationDescription = RouteDescriptions.sink(config.to());
    this.loop = new RouteLoop(config.name(), this::admit, this::refuse);
  }

  /**
   * Starts the sinks, and the source once the sinks are connected, so that nothing is consumed that
   * could not be sent. Returns at once; progress shows in {@link #state()}.
   */
  public void start() {
    source.onFatalError(this::sourceFailed);
    sink.start();
    deadLetterSink.ifPresent(Sink::start);
    if (replySink != null) {
      replySink.start();
    }
    startedNanos = System.nanoTime();
    loop.execute(this::startSourceWhenSinksConnected);
  }

  private void startSourceWhenSinksConnected() {
    if (closed || givingUp) {
      return;
    }
    if (!sinksConnected()) {
      loop.schedule(this::startSourceWhenSinksConnected, starting() ? STARTUP_POLL : TICK);
      return;
    }
    source.start(this);
    sourceStarted = true;
    log.info("route {}: {} -> {} started", config.name(), sourceDescription, destinationDescription);
    loop.scheduleWithFixedDelay(this::tick, TICK);
    loop.schedule(this::refreshWhileStarting, STARTUP_POLL);
  }

  private boolean starting() {
    return System.nanoTime() - startedNanos < STARTUP_WINDOW_NANOS;
  }

  /** Says RUNNING as soon as the source connected, not at the next tick. */
  private void refreshWhileStarting() {
    if (closed || givingUp || state.get() != RouteState.STARTING) {
      return;
    }
    refreshState();
    if (state.get() == RouteState.STARTING && starting()) {
      loop.schedule(this::refreshWhileStarting, STARTUP_POLL);
    }
  }

  private boolean sinksConnected() {
    return sink.isConnected() && deadLetterSink.map(Sink::isConnected).orElse(true)
        && (replySink == null || replySink.isConnected());
  }

  // ---- from the source's thread: count and queue, nothing else ----

  @Override
  public void onMessage(ReceivedMessage received) {
    metrics.consumed();
    long size = received.message().approximateSize();
    window.take(size);
    loop.admitLater(received);
  }

  @Override
  public boolean hasRoom() {
    return !destinationOut && !givingUp && window.hasRoom();
  }

  // ---- on the route's thread ----

  /** A message handed over after the route's thread stopped goes back to the source unacknowledged. */
  private void refuse(ReceivedMessage received) {
    received.acknowledgement().abandon();
    window.release(received.message().approximateSize());
  }

  private void admit(ReceivedMessage received) {
    Delivery d = new Delivery(received, tracer.startProcess(received.message()), nextSequence++);
    MessageLogContext.enter(d.span.processContext());
    if (log.isDebugEnabled()) {
      log.debug("route {}: received {}", config.name(), d.message().position().uri());
    }
    if (givingUp) {
      abandon(d, null);
      return;
    }
    Lane lane = lanes.computeIfAbsent(d.lane(), Lane::new);
    lane.waiting.add(d);
    pump(lane);
  }

  /** Sends what waits in an open lane. */
  private void pump(Lane lane) {
    while (!lane.held && !lane.waiting.isEmpty()) {
      send(lane, lane.waiting.poll());
    }
    produceReplies(lane);
    forgetIfIdle(lane);
  }

  /** Maps and sends one message; false when nothing went out (revoked, unmappable, giving up). */
  private boolean send(Lane lane, Delivery d) {
    MessageLogContext.enter(d.span.processContext());
    if (givingUp || d.isRevoked()) {
      abandon(d, null);
      return false;
    }
    d.attempts++;
    if (d.reply != null) {
      return produceReply(lane, d); // the service answered an earlier attempt: only the reply is produced again
    }
    OutboundMessage out;
    try {
      if (replySink != null) {
        mapper.checkReply(d.message(), replyTo); // a reply that could never be written: do not ask for it
      }
      out = d.span.startSend(mapping.map(mapper, d.message()));
    } catch (MappingException e) {
      deadLetter(d, e);
      return false;
    }
    if (replySink != null) {
      lane.awaitingReply.putIfAbsent(d.sequence, d);
    }
    dispatch(lane, d, sink, out);
    return true;
  }

  /** Produces the reply to a message's request into Kafka; false when nothing went out (dead letter). */
  private boolean produceReply(Lane lane, Delivery d) {
    MessageLogContext.enter(d.span.processContext());
    OutboundMessage out;
    try {
      out = d.span.startReplySend(mapper.reply(d.message(), d.reply, replyTo),
          MessageMapper.replyTopicOf(d.message()).isPresent());
    } catch (MappingException e) {
      deadLetter(d, e);
      return false;
    }
    dispatch(lane, d, replySink, out);
    return true;
  }

  /**
   * Sends {@code out} for {@code d} of {@code lane} to {@code target}; the outcome is settled on the route's
   * thread. A send that failed before it returned (the Kafka producer found no metadata for the topic within
   * {@code max.block.ms}, its buffer stayed full, the sink is closed) is settled at once, before the caller sends
   * anything else: queued like a client's answer, it was only seen after the rest of the lane had gone out, and
   * those, sent after the failure and accepted once the broker was back, overtook the retried message.
   */
  private void dispatch(Lane lane, Delivery d, Sink target, OutboundMessage out) {
    lane.inFlight++;
    CompletableFuture<SendReceipt> sending = sendAsync(target, out);
    if (sending.isCompletedExceptionally()) {
      Throwable error = sending.handle((receipt, e) -> e).join();
      outcome(lane, d, target, null, error); // the caller's loop goes on by the lane's new state (held)
      return;
    }
    sending.whenComplete((receipt, error) -> loop.settleLater(() -> sent(lane, d, target, receipt, error)));
  }

  /**
   * Hands the replies that may go to the reply sink, in the lane's order: the earliest message awaiting a reply
   * goes once answered, unless an earlier message of the held lane waits for its retry (or is the probe).
   */
  private void produceReplies(Lane lane) {
    if (replySink == null) {
      return;
    }
    Map.Entry<Long, Delivery> first;
    while ((first = lane.awaitingReply.firstEntry()) != null) {
      Delivery d = first.getValue();
      if (d.reply == null || !mayReply(lane, d)) {
        return;
      }
      lane.awaitingReply.pollFirstEntry();
      boolean sent = false;
      if (givingUp || d.isRevoked()) {
        abandon(d, null);
      } else {
        sent = produceReply(lane, d);
      }
      if (!sent && lane.probe == d) {
        // the probe settled without a send (abandoned, dead-lettered): the lane's next message may be tried
        lane.probe = null;
        loop.execute(() -> probeWhenDue(lane));
      }
    }
  }

  /** False while an earlier message of the held lane waits for its retry or is being retried. */
  private static boolean mayReply(Lane lane, Delivery d) {
    if (!lane.held || lane.probe == d) {
      return true;
    }
    Delivery next = lane.waiting.peek();
    return (lane.probe == null || d.sequence < lane.probe.sequence) && (next == null || d.sequence < next.sequence);
  }

  /** A message leaves the reply order without a reply (dead letter, abandoned): later replies may go. */
  private void leaveReplyOrder(Delivery d) {
    if (replySink != null) {
      Lane lane = lanes.get(d.lane());
      if (lane != null) {
        lane.awaitingReply.remove(d.sequence, d);
      }
    }
  }

  /** The outcome of a send to {@code target}: the route's sink, or on a request route its reply sink. */
  private void sent(Lane lane, Delivery d, Sink target, SendReceipt receipt, Throwable error) {
    outcome(lane, d, target, receipt, error);
    if (lane.held) {
      probeWhenDue(lane);
    }
    if (lane.held) {
      produceReplies(lane); // those of messages earlier than the one retried
    } else {
      pump(lane);
    }
  }

  /** What an outcome changes for its message and lane; {@link #sent} then sends what may go next. */
  private void outcome(Lane lane, Delivery d, Sink target, SendReceipt receipt, Throwable error) {
    MessageLogContext.enter(d.span.processContext());
    lane.inFlight--;
    if (error == null && target == sink && replySink != null) {
      // the request was answered; the message is delivered once its reply is in Kafka (produceReplies)
      d.span.sendConfirmed(receipt);
      if (givingUp || d.isRevoked()) {
        abandon(d, null);
      } else {
        d.reply = receipt.reply();
      }
      produceReplies(lane);
    } else {
      boolean wasProbe = lane.probe == d;
      if (wasProbe) {
        lane.probe = null;
      }
      if (error == null) {
        d.span.sendConfirmed(receipt);
        log.debug("route {}: delivered {} to {}", config.name(), d.message().position().uri(), destinationDescription);
        if (wasProbe) {
          reopen(lane);
        }
        settle(d);
      } else {
        Throwable cause = Failures.cause(error);
        d.span.sendFailed(cause);
        failed(lane, d, target, cause);
      }
    }
  }

  private void failed(Lane lane, Delivery d, Sink target, Throwable cause) {
    if (givingUp || d.isRevoked()) {
      abandon(d, cause);
      return;
    }
    switch (target.classify(cause)) {
      case TRANSIENT -> hold(lane, d, true, cause);
      case UNKNOWN -> {
        if (++d.unknownFailures < config.retry().maxAttempts()) {
          hold(lane, d, false, cause);
        } else {
          deadLetter(d, cause);
        }
      }
      case MESSAGE -> deadLetter(d, cause);
      case FATAL -> routeFailed(d, cause);
    }
  }

  /** Puts a failed message back at the head of its lane and holds the lane until its retry succeeds. */
  private void hold(Lane lane, Delivery d, boolean outage, Throwable cause) {
    metrics.retried();
    lane.waiting.add(d);
    lane.held = true;
    if (outage && !lane.heldForOutage) {
      lastError = "retrying " + destinationDescription + ": " + cause;
      lane.heldForOutage = true;
      lanesHeldForOutage++;
      outageChanged();
    }
    if (!lane.backoffPending && lane.probe == null) {
      lane.backoffPending = true;
      long round = outage ? ++lane.outageFailures : d.unknownFailures;
      Duration delay = backoff.delay(round);
      log.debug("route {}: send to {} failed ({}), retrying lane {} in {} ms", config.name(), destinationDescription,
          cause.toString(), lane.key, delay.toMillis());
      loop.schedule(() -> {
        lane.backoffPending = false;
        probeWhenDue(lane);
      }, delay);
    }
  }

  /**
   * Retries the earliest waiting message of a held lane alone, once its backoff passed and no earlier send
   * of the lane is unresolved (one of those may still fail and must then go first).
   */
  private void probeWhenDue(Lane lane) {
    while (lane.held && !lane.backoffPending && lane.probe == null && lane.inFlight == 0) {
      Delivery next = lane.waiting.poll();
      if (next == null) {
        reopen(lane); // everything waiting was revoked or given up
        pump(lane); // replies that waited for the lane
        return;
      }
      lane.probe = next;
      if (!send(lane, next)) {
        lane.probe = null; // nothing went out; try the next one
      }
    }
  }

  private void reopen(Lane lane) {
    lane.held = false;
    lane.outageFailures = 0;
    if (lane.heldForOutage) {
      lane.heldForOutage = false;
      lanesHeldForOutage--;
      outageChanged();
    }
  }

  private void forgetIfIdle(Lane lane) {
    if (lane.isIdle()) {
      lanes.remove(lane.key, lane);
    }
  }

  private void deadLetter(Delivery d, Throwable cause) {
    MessageLogContext.enter(d.span.processContext());
    leaveReplyOrder(d);
    if (deadLetterSink.isEmpty()) {
      routeFailed(d, cause);
      return;
    }
    if (givingUp || d.isRevoked()) {
      abandon(d, cause);
      return;
    }
    SinkConfig deadLetter = config.deadLetter().orElseThrow();
    OutboundMessage out;
    try {
      out = d.span.startDeadLetterSend(mapper.deadLetter(d.message(), deadLetter, cause, d.attempts));
    } catch (MappingException e) {
      e.addSuppressed(cause);
      routeFailed(d, e);
      return;
    }
    if (d.deadLetterTransientFailures == 0 && d.deadLetterUnknownFailures == 0) {
      deadLetterWarnings.warn("route {}: dead-lettering message from {}: {}", config.name(),
          d.message().position().uri(), cause.toString());
    }
    sendAsync(deadLetterSink.get(), out)
        .whenComplete((receipt, error) -> loop.settleLater(() -> deadLetterSent(d, cause, receipt, error)));
  }

  private void deadLetterSent(Delivery d, Throwable cause, SendReceipt receipt, Throwable error) {
    MessageLogContext.enter(d.span.processContext());
    if (error == null) {
      d.span.sendConfirmed(receipt);
      leaveDeadLetterOutage(d);
      d.span.endFailed(cause);
      metrics.deadLettered();
      d.received.acknowledgement().ack();
      window.release(d.size);
      return;
    }
    Throwable dlqError = Failures.cause(error);
    d.span.sendFailed(dlqError);
    if (givingUp || d.isRevoked()) {
      abandon(d, cause);
      return;
    }
    long round;
    switch (deadLetterSink.orElseThrow().classify(dlqError)) {
      case TRANSIENT -> {
        if (!d.inDeadLetterOutage) {
          lastError = "retrying the dead letter: " + dlqError;
          d.inDeadLetterOutage = true;
          deadLettersInOutage++;
          outageChanged();
        }
        round = ++d.deadLetterTransientFailures;
      }
      case UNKNOWN -> {
        if (++d.deadLetterUnknownFailures >= config.retry().maxAttempts()) {
          dlqError.addSuppressed(cause);
          routeFailed(d, dlqError);
          return;
        }
        round = d.deadLetterUnknownFailures;
      }
      default -> { // MESSAGE or FATAL: the dead letter will not take it; stop rather than drop it
        dlqError.addSuppressed(cause);
        routeFailed(d, dlqError);
        return;
      }
    }
    metrics.retried();
    loop.schedule(() -> deadLetter(d, cause), backoff.delay(round));
  }

  private void leaveDeadLetterOutage(Delivery d) {
    if (d.inDeadLetterOutage) {
      d.inDeadLetterOutage = false;
      deadLettersInOutage--;
      outageChanged();
    }
  }

  private void outageChanged() {
    boolean out = lanesHeldForOutage > 0 || deadLettersInOutage > 0;
    if (out != destinationOut) {
      destinationOut = out;
      if (out) {
        log.warn("route {}: destination refuses messages for a transient reason; source paused, retrying",
            config.name());
      } else {
        log.info("route {}: destination accepts messages again; source resumed", config.name());
      }
      refreshState();
    }
  }

  private void settle(Delivery d) {
    d.span.end();
    metrics.produced(System.nanoTime() - d.received.receivedNanos());
    d.received.acknowledgement().ack();
    window.release(d.size);
  }

  /** Gives a message back to its source unacknowledged, so that it is delivered again. */
  private void abandon(Delivery d, Throwable error) {
    leaveDeadLetterOutage(d);
    leaveReplyOrder(d);
    if (error != null) {
      d.span.endFailed(error);
    } else {
      d.span.end();
    }
    d.received.acknowledgement().abandon();
    window.release(d.size);
  }

  /** Stops the route on a message that could not be delivered: it stays unacknowledged, never dropped. */
  private void routeFailed(Delivery d, Throwable error) {
    MessageLogContext.enter(d.span.processContext());
    metrics.failed();
    lastError = d.message().position().uri() + ": " + error;
    if (state.getAndSet(RouteState.FAILED) != RouteState.FAILED) {
      log.error("route {} stopped: could not deliver {}{}: {}", config.name(), d.message().position().uri(),
          deadLetterSink.isPresent() ? "" : " and has no dead letter", error.toString());
      stopSourceInBackground();
    }
    abandon(d, error);
    abandonHeld();
  }

  /** Abandons every message waiting in a lane; those in flight are settled as their sends complete. */
  private void abandonHeld() {
    givingUp = true;
    for (Lane lane : lanes.values()) {
      Delivery d;
      while ((d = lane.waiting.poll()) != null) {
        abandon(d, null);
      }
      if (lane.heldForOutage) {
        lane.heldForOutage = false;
        lanesHeldForOutage--;
      }
      lane.held = false;
      // answered requests whose replies had not gone yet; those still unanswered are abandoned as they settle
      List<Delivery> answered = new ArrayList<>();
      lane.awaitingReply.values().removeIf(r -> r.reply != null && answered.add(r));
      answered.forEach(r -> abandon(r, null));
    }
    lanes.values().removeIf(Lane::isIdle);
    outageChanged();
  }

  /** Runs every tick: connectivity, and revoked messages out of held lanes (their partition has a new owner). */
  private void tick() {
    List<Lane> reopened = new ArrayList<>();
    for (Iterator<Lane> it = lanes.values().iterator(); it.hasNext(); ) {
      Lane lane = it.next();
      if (lane.held) {
        lane.waiting.removeIf(d -> {
          if (d.isRevoked()) {
            abandon(d, null);
            return true;
          }
          return false;
        });
        if (lane.waiting.isEmpty() && lane.probe == null && lane.inFlight == 0) {
          reopen(lane);
          if (lane.awaitingReply.isEmpty()) {
            it.remove();
          } else {
            reopened.add(lane); // answered requests whose replies waited for the lane
          }
        }
      }
    }
    reopened.forEach(this::pump);
    refreshState();
  }

  private void refreshState() {
    RouteState current = state.get();
    if (current == RouteState.FAILED || current == RouteState.STOPPED || !sourceStarted) {
      return;
    }
    boolean connected = source.isConnected() && sinksConnected();
    RouteState next;
    if (!connected) {
      next = current == RouteState.STARTING ? RouteState.STARTING : RouteState.DISCONNECTED;
    } else {
      next = destinationOut ? RouteState.RETRYING : RouteState.RUNNING;
    }
    if (next != current && state.compareAndSet(current, next)) {
      log.info("route {}: {}", config.name(), next);
    }
  }

  private void sourceFailed(Throwable error) {
    lastError = "source: " + error;
    state.set(RouteState.FAILED);
    log.error("route {} stopped: its source failed: {}", config.name(), error.toString());
  }

  private void stopSourceInBackground() {
    // Source.stop may wait briefly (a NATS drain); the route's thread must not.
    Thread stopper = new Thread(source::stop, "bridge-route-" + config.name() + "-stop");
    stopper.setDaemon(true);
    stopper.start();
  }

  private static CompletableFuture<SendReceipt> sendAsync(Sink target, OutboundMessage out) {
    try {
      return target.send(out);
    } catch (RuntimeException e) { // a sink must not throw; if it does, it is that message's failure
      return CompletableFuture.failedFuture(e);
    }
  }



  // ---- shutdown, from the bridge's stopping thread ----

  /** Stops consuming; messages in flight are still sent, retried and confirmed. */
  public void stopConsuming() {
    if (sourceStarted) {
      source.stop();
    }
  }

  /** Waits up to the timeout for every message taken from the source to be settled. */
  public boolean awaitDrained(Duration timeout) throws InterruptedException {
    return window.awaitEmpty(timeout);
  }

  /** Messages taken from the source and not yet settled. */
  public int inFlight() {
    return window.messages();
  }

  /** Gives up on every message still held: retries stop, waiting messages are abandoned unacknowledged. */
  public void giveUp() {
    givingUp = true;
    loop.execute(this::abandonHeld);
  }

  /**
   * Lets the sinks confirm what they still have (up to the timeout), then closes the source (which
   * commits or acks what was confirmed) and the sinks. Call after {@link #awaitDrained} or {@link #giveUp}.
   */
  public void close(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    closed = true;
    Duration flush = min(CLOSE_FLUSH, remaining(deadline));
    sink.flush(flush);
    if (replySink != null) {
      replySink.flush(min(CLOSE_FLUSH, remaining(deadline)));
    }
    deadLetterSink.ifPresent(s -> s.flush(min(CLOSE_FLUSH, remaining(deadline))));
    giveUp();
    // the settling of what the flush confirmed runs on the route's thread; let it reach the source
    window.awaitEmpty(min(Duration.ofSeconds(1), remaining(deadline)));
    if (window.messages() > 0) {
      log.warn("route {}: {} messages still in flight at shutdown; they stay unacknowledged and will be delivered again",
          config.name(), window.messages());
    }
    loop.stop(min(Duration.ofSeconds(1), remaining(deadline)));
    source.close();
    sink.close();
    if (replySink != null) {
      replySink.close();
    }
    deadLetterSink.ifPresent(Sink::close);
    state.updateAndGet(s -> s == RouteState.FAILED ? s : RouteState.STOPPED); // a failed route keeps saying so
  }

  private static Duration remaining(long deadlineNanos) {
    return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  // ---- RouteView ----

  @Override
  public String name() {
    return config.name();
  }

  /** The configuration this route runs, to tell on a reload whether it changed. */
  public RouteConfig config() {
    return config;
  }

  @Override
  public int configVersion() {
    return configVersion;
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

  @Override
  public long inFlightMessages() {
    return window.messages();
  }

  @Override
  public long inFlightBytes() {
    return window.bytes();
  }

  @Override
  public long sourceDropped() {
    return source.droppedMessages();
  }

  @Override
  public Map<String, Long> sourceLag() {
    return source.lag();
  }

  @Override
  public Map<String, Long> reconnects() {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("source", source.reconnects());
    counts.put("sink", sink.reconnects());
    if (replySink != null) {
      counts.put("reply", replySink.reconnects());
    }
    deadLetterSink.ifPresent(dl -> counts.put("dead-letter", dl.reconnects()));
    return counts;
  }
}
