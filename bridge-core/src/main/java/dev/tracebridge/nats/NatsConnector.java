package dev.tracebridge.nats;

import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.Secret;
import dev.tracebridge.route.Backoff;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NATS connection of one endpoint, built from {@code bridge.nats}: servers, authentication (token,
 * user and password, credentials file, nkey seed file), TLS (key and trust stores, handshake first), a
 * connection name, and reconnecting forever with backoff.
 *
 * <p>{@link #start} connects on a background thread and keeps retrying while no server is reachable
 * (jnats itself gives up after one round on the first connect); it never throws for that.
 *
 * <p>After a lost socket there are two ways on, chosen by the endpoint:
 * <ul>
 *   <li>A source's connection ({@link #NatsConnector(String, NatsClusterConfig)}) is reconnected by jnats,
 *   which resubscribes its subscriptions.</li>
 *   <li>A sink's connection ({@link #forSink}) is never reconnected: it is closed, and a new connection
 *   replaces it, with the same backoff. jnats keeps the publishes still queued in a connection across its
 *   reconnect and sends them on the new socket first, while those written into the dead socket are lost;
 *   the route retries the lost ones, which then arrive after later messages of their lane. A closed
 *   connection's queue dies with it, so nothing written before the loss reaches the server after it except
 *   through the route's retries, in order. The sink's set-up (a JetStream context, a subscription) runs
 *   again on each new connection.</li>
 * </ul>
 *
 * <p>Secrets never reach logs or exception messages: they live in {@link Secret} and the jnats
 * options only, and server URLs, which may carry {@code user:password@}, are logged redacted.
 */
public final class NatsConnector implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NatsConnector.class);
  private static final Pattern URL_USER_INFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s]+@");

  /** jnats's own default. */
  static final int DEFAULT_OUTGOING_QUEUE = 5_000;
  /** How long {@link #close} waits for what is queued (JetStream acks, publishes) to reach the server. */
  static final Duration CLOSE_FLUSH = Duration.ofSeconds(2);

  private final String name;
  private final Options options;
  /** A sink's connection: replaced by a new one after a lost socket instead of reconnected by jnats. */
  private final boolean newConnectionPerSocket;
  /** Connections that replaced a closed one ({@link #newConnectionPerSocket}). */
  private final AtomicLong replacements = new AtomicLong();
  private final AtomicBoolean replacing = new AtomicBoolean();
  private Consumer<Connection> onConnect;
  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private volatile Connection connection;
  private volatile boolean closed;
  /** Whether the last event said the connection is up; jnats repeats DISCONNECTED for every failed round. */
  private final AtomicBoolean wasUp = new AtomicBoolean(true);
  private Thread connectThread;

  /** A source's connection, which jnats reconnects after a lost socket. */
  public NatsConnector(String connectionName, NatsClusterConfig cluster) {
    this(connectionName, cluster, DEFAULT_OUTGOING_QUEUE, false, builder -> builder);
  }

  /**
   * A sink's connection, replaced by a new one after a lost socket, with room for {@code maxOutgoingMessages}
   * in jnats's outgoing queue. A sink needs more than a route's in-flight window there (a full queue fails the
   * publish; see {@link #outgoingQueueFor}).
   */
  public static NatsConnector forSink(String connectionName, NatsClusterConfig cluster, int maxOutgoingMessages) {
    return forSink(connectionName, cluster, maxOutgoingMessages, builder -> builder);
  }

  /** With jnats options of the sink's own laid over the cluster's ({@code reportNoResponders} for requests). */
  static NatsConnector forSink(String connectionName, NatsClusterConfig cluster, int maxOutgoingMessages,
                               UnaryOperator<Options.Builder> extra) {
    return new NatsConnector(connectionName, cluster, maxOutgoingMessages, true, extra);
  }

  private NatsConnector(String connectionName, NatsClusterConfig cluster, int maxOutgoingMessages,
                        boolean newConnectionPerSocket, UnaryOperator<Options.Builder> extra) {
    this.name = Objects.requireNonNull(connectionName, "connectionName");
    this.newConnectionPerSocket = newConnectionPerSocket;
    this.options = extra.apply(builder(connectionName, cluster, this::onConnectionEvent, new LoggingErrorListener(),
        maxOutgoingMessages).maxReconnects(newConnectionPerSocket ? 0 : -1)).build();
  }

  /**
   * An outgoing queue for a sink of a route with the given window: twice the window (a source may hand
   * over a fetched batch beyond it, and acks, pings and retries share the queue), and never below
   * jnats's default.
   */
  public static int outgoingQueueFor(int inFlightMessages) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max((long) DEFAULT_OUTGOING_QUEUE, 2L * inFlightMessages + 1_000));
  }

  /**
   * Starts connecting in the background. {@code onConnect} runs on the connecting thread with each new
   * connection as soon as it is established: the first, and for a sink each one that replaces a closed one
   * (a source's reconnects are jnats's business).
   */
  public synchronized void start(Consumer<Connection> onConnect) {
    if (connectThread != null) {
      throw new IllegalStateException("already started");
    }
    this.onConnect = onConnect;
    startConnecting();
  }

  private synchronized void startConnecting() {
    connectThread = new Thread(() -> connectLoop(onConnect), "nats-connect-" + name);
    connectThread.setDaemon(true);
    connectThread.start();
  }

  /** True while the connection is up (false before the first connect, while reconnecting, after close). */
  public boolean isConnected() {
    Connection c = connection;
    return c != null && c.getStatus() == Connection.Status.CONNECTED;
  }

  /** The connection, once established; it may be reconnecting at the moment. */
  public Optional<Connection> connection() {
    return Optional.ofNullable(connection);
  }

  /** Times the connection was re-established after losing it (by jnats, or by a new one); 0 before the first. */
  public long reconnects() {
    Connection c = connection;
    return replacements.get() + (c == null ? 0 : c.getStatistics().getReconnects());
  }

  /** Is told of connection events (reconnected, disconnected, closed...) from jnats's callback thread. */
  public void addListener(ConnectionListener listener) {
    listeners.add(listener);
  }

  public String name() {
    return name;
  }

  @Override
  public void close() {
    closed = true;
    Thread t;
    synchronized (this) {
      t = connectThread;
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Connection c = connection;
    if (c != null) {
      if (c.getStatus() == Connection.Status.CONNECTED) {
        try {
          // jnats closes without writing what is still queued: acks queued just before would never leave
          c.flush(CLOSE_FLUSH);
        } catch (TimeoutException | RuntimeException e) {
          LOG.debug("NATS connection {}: flush before close failed: {}", name, describe(e));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      try {
        c.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void connectLoop(Consumer<Connection> onConnect) {
    Backoff.Attempts backoff = Backoff.RECONNECT.attempts();
    String lastProblem = null;
    while (!closed) {
      try {
        Connection c = Nats.connect(options);
        if (closed) {
          c.close();
          return;
        }
        boolean replacement = connection != null;
        connection = c;
        if (replacement) {
          replacements.incrementAndGet();
          wasUp.set(true);
          replacing.set(false);
          LOG.info("NATS connection {} reconnected to {} (a new connection)", name, redact(c.getConnectedUrl()));
        } else {
          LOG.info("NATS connection {} connected to {}", name, redact(c.getConnectedUrl()));
        }
        break;
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        String problem = describe(e);
        if (!problem.equals(lastProblem)) {
          LOG.warn("NATS connection {} cannot connect to {} ({}); retrying with backoff", name,
              redact(options.getUnprocessedServers().toString()), problem);
          lastProblem = problem;
        }
        try {
          backoff.sleep();
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
    Connection c = connection;
    if (c != null) {
      try {
        onConnect.accept(c);
      } catch (RuntimeException e) {
        // not a connection problem, so retrying would not help; endpoints report their own setup errors
        LOG.error("NATS connection {}: setting up after connect failed: {}", name, describe(e));
      }
    }
  }

  private void onConnectionEvent(Connection c, ConnectionListener.Events event) {
    if (c != connection) {
      // a failed first attempt: jnats reports its own disconnect and close; connectLoop already logged it
      return;
    }
    switch (event) {
      case DISCONNECTED -> {
        if (wasUp.getAndSet(false)) {
          LOG.warn("NATS connection {} disconnected; reconnecting", name);
        }
      }
      case RECONNECTED -> {
        wasUp.set(true);
        LOG.info("NATS connection {} reconnected to {}", name, redact(c.getConnectedUrl()));
      }
      case CLOSED -> {
        if (newConnectionPerSocket && !closed && replacing.compareAndSet(false, true)) {
          // a sink's connection closes itself after a lost socket (maxReconnects 0): a new one takes its place
          LOG.debug("NATS connection {}: the lost socket's connection is closed; connecting anew", name);
          startConnecting();
        } else {
          LOG.info("NATS connection {} closed", name);
        }
      }
      case LAME_DUCK -> LOG.info("NATS connection {}: server entered lame duck mode", name);
      default -> LOG.debug("NATS connection {}: {}", name, event);
    }
    for (ConnectionListener listener : listeners) {
      listener.connectionEvent(c, event);
    }
  }

  /**
   * The jnats options for a cluster configuration. TLS comes from the key and trust stores when given,
   * else from the JVM's default trust when a {@code tls} block or a {@code tls://} server asks for it.
   */
  static Options options(String connectionName, NatsClusterConfig cluster, ConnectionListener listener,
                         ErrorListener errorListener) {
    return options(connectionName, cluster, listener, errorListener, DEFAULT_OUTGOING_QUEUE);
  }

  static Options options(String connectionName, NatsClusterConfig cluster, ConnectionListener listener,
                         ErrorListener errorListener, int maxOutgoingMessages) {
    return builder(connectionName, cluster, listener, errorListener, maxOutgoingMessages).build();
  }

  private static Options.Builder builder(String connectionName, NatsClusterConfig cluster, ConnectionListener listener,
                                         ErrorListener errorListener, int maxOutgoingMessages) {
    Options.Builder b = Options.builder()
        .maxMessagesInOutgoingQueue(maxOutgoingMessages)
        .servers(cluster.servers().toArray(String[]::new))
        .connectionName(connectionName)
        .maxReconnects(-1)
        .reconnectDelayHandler(attempt -> Backoff.RECONNECT.delay(attempt + 1))
        .connectionListener(listener)
        .errorListener(errorListener);
    cluster.token().map(Secret::value).ifPresent(token -> b.token(token.toCharArray()));
    cluster.user().ifPresent(user -> b.userInfo(user.toCharArray(),
        cluster.password().map(Secret::value).orElse("").toCharArray()));
    cluster.credentialsFile().ifPresent(path -> b.authHandler(Nats.credentials(path.toString())));
    cluster.nkeyFile().ifPresent(path -> b.authHandler(Nats.credentials(null, path.toString())));
    cluster.tls().ifPresent(tls -> {
      tls.keystore().ifPresent(path -> b.keystorePath(path.toString()));
      tls.keystorePassword().map(Secret::value).ifPresent(pw -> b.keystorePassword(pw.toCharArray()));
      tls.truststore().ifPresent(path -> b.truststorePath(path.toString()));
      tls.truststorePassword().map(Secret::value).ifPresent(pw -> b.truststorePassword(pw.toCharArray()));
      if (tls.keystore().isEmpty() && tls.truststore().isEmpty()) {
        try {
          b.secure();
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException("this JVM offers no default TLS context", e);
        }
      }
      if (tls.handshakeFirst()) {
        b.tlsFirst();
      }
    });
    return b;
  }

  /** Removes {@code user:password@} from every URL in a text, so that it may be logged. */
  static String redact(String text) {
    return text == null ? null : URL_USER_INFO.matcher(text).replaceAll("$1****@");
  }

  /** An exception's type and message with URLs redacted, for logs and status messages. */
  static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + redact(message));
  }

  /**
   * jnats's asynchronous errors, on slf4j instead of java.util.logging. Errors of a failed first
   * attempt go to DEBUG: {@link #connectLoop} reports those once per change, not once per attempt.
   */
  private final class LoggingErrorListener implements ErrorListener {
    @Override
    public void errorOccurred(Connection conn, String error) {
      if (conn == connection) {
        LOG.warn("NATS connection {}: server error: {}", name, redact(error));
      } else {
        LOG.debug("NATS connection {}: server error: {}", name, redact(error));
      }
    }

    @Override
    public void exceptionOccurred(Connection conn, Exception exp) {
      // jnats reports every failed (re)connect attempt here; the DISCONNECTED event already said so once
      if (conn == connection && !(exp instanceof IOException)) {
        LOG.warn("NATS connection {}: {}", name, describe(exp));
      } else {
        LOG.debug("NATS connection {}: {}", name, describe(exp));
      }
    }

    @Override
    public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
      // the source warns with counts, at most every few seconds
      LOG.debug("NATS connection {}: slow consumer, the client's pending limits were reached and NATS drops messages",
          name);
    }
  }
}
