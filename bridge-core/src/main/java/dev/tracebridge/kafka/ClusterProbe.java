package dev.tracebridge.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells whether a Kafka cluster answers, by asking it to describe itself every few seconds through a
 * small Admin client with the endpoint's connection settings (bootstrap, security).
 *
 * <p>Why not the consumer's or producer's own metrics: {@code connection-count} also counts
 * connections still being attempted, so it flickers to 1 while a broker is down; and a successful
 * {@code poll} says nothing, as poll returns empty when no broker answers. A real round trip is the
 * one signal that is false when the cluster is gone and true when it is back, and it keeps working
 * while the endpoint's own thread is blocked (backpressure).
 */
final class ClusterProbe implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ClusterProbe.class);
  private static final Duration INTERVAL = Duration.ofSeconds(2);
  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final String clientId;
  private final Map<String, Object> adminProperties;
  private final ScheduledExecutorService scheduler;
  private Admin admin; // only touched by the scheduler thread, and by close() after it ended
  private volatile boolean reachable;
  /** Whether a probe ran: a cluster unreachable from the start is reported once too, with its reason. */
  private boolean probed;

  /**
   * @param clientProperties the endpoint's client properties; only those an Admin client knows are used
   */
  ClusterProbe(String clientId, String bootstrapServers, Map<String, ?> clientProperties) {
    this.clientId = clientId;
    Set<String> adminNames = AdminClientConfig.configNames();
    Map<String, Object> props = new HashMap<>();
    clientProperties.forEach((name, value) -> {
      // a config provider's own settings (config.providers.<name>.class...) are not in configNames(),
      // but without them a ${provider:...} value (a secret read from a file) cannot be resolved
      if (adminNames.contains(name) || name.startsWith("config.providers.")) {
        props.put(name, value);
      }
    });
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-probe");
    this.adminProperties = Map.copyOf(props);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, clientId + "-probe");
      thread.setDaemon(true);
      return thread;
    });
  }

  void start() {
    scheduler.scheduleWithFixedDelay(this::probe, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean isReachable() {
    return reachable;
  }

  private void probe() {
    boolean nowReachable;
    String reason = null;
    try {
      if (admin == null) {
        admin = Admin.create(adminProperties);
      }
      nowReachable = !admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
          .nodes().get().isEmpty();
    } catch (ExecutionException e) {
      nowReachable = false;
      reason = e.getCause().toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (RuntimeException e) {
      // Admin.create rejects settings it cannot use (for example an unresolvable bootstrap address); try again later.
      nowReachable = false;
      reason = e.toString();
    }
    if (nowReachable != reachable || !probed) {
      if (nowReachable) {
        log.info("{}: Kafka cluster reachable", clientId);
      } else {
        log.warn("{}: Kafka cluster unreachable: {}", clientId, reason);
      }
    }
    reachable = nowReachable;
    probed = true;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    reachable = false;
    if (admin != null) {
      admin.close(Duration.ZERO);
    }
  }
}
