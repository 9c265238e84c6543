package dev.tracebridge.cli;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigException;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.config.ConfigProblem;
import dev.tracebridge.runtime.Bridge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the configuration file when asked (SIGHUP) or, with {@code --watch}, when its content changes,
 * and applies it to the running bridge. An invalid file is rejected with the same problems {@code validate}
 * prints, logged, and the running routes go on untouched.
 *
 * <p>Requests only release a permit (a signal handler must not block); one thread of its own loads and
 * applies, so reloads never overlap and a burst of requests makes one reload.
 */
final class ConfigReloader implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);
  /** How often {@code --watch} looks at the file. Polling, not inotify: a Kubernetes ConfigMap is swapped by a symlink. */
  static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);

  private final Path file;
  private final Bridge bridge;
  private final Consumer<BridgeConfig> beforeApply;
  private final Semaphore requests = new Semaphore(0);
  private final Thread worker;
  private Thread watcher;
  private volatile boolean closed;

  /** {@code beforeApply} runs with each valid configuration before the routes change (log levels, say). */
  ConfigReloader(Path file, Bridge bridge, Consumer<BridgeConfig> beforeApply) {
    this.file = file;
    this.bridge = bridge;
    this.beforeApply = beforeApply;
    this.worker = new Thread(this::work, "bridge-reload");
    worker.setDaemon(true);
    worker.start();
  }

  /** Asks for a reload; returns at once (safe in a signal handler). */
  void request() {
    requests.release();
  }

  /** Also reloads when the file's content changes, looking every {@link #WATCH_INTERVAL}. */
  void watch() {
    watcher = new Thread(this::watchLoop, "bridge-config-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  private void work() {
    while (!closed) {
      try {
        requests.acquire();
        requests.drainPermits(); // several requests while one reload ran make one more reload
        reloadOnce();
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void reloadOnce() throws InterruptedException {
    BridgeConfig next;
    try {
      next = ConfigLoader.load(file);
    } catch (ConfigException e) {
      log.error("configuration {} rejected; the running routes go on unchanged:", file);
      for (ConfigProblem problem : e.problems()) {
        log.error("  {}", problem);
      }
      return;
    }
    try {
      beforeApply.accept(next);
      bridge.reload(next);
    } catch (IllegalStateException stopping) {
      log.info("configuration not applied: {}", stopping.getMessage());
    } catch (RuntimeException e) {
      log.error("applying the configuration failed: {}", e.toString(), e);
    }
  }

  private void watchLoop() {
    byte[] last = digest();
    while (!closed) {
      try {
        Thread.sleep(WATCH_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      byte[] now = digest();
      if (now != null && !Arrays.equals(now, last)) {
        last = now;
        log.info("configuration {} changed; reloading", file);
        request();
      }
    }
  }

  /** The file's SHA-256, or null while it cannot be read (being replaced). */
  private byte[] digest() {
    try {
      return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    } catch (IOException e) {
      return null;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    worker.interrupt();
    if (watcher != null) {
      watcher.interrupt();
    }
  }
}
