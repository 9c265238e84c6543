package dev.tracebridge.testkit;

import io.nats.NatsServerRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * A real {@code nats-server} process with JetStream, on its own port and with its own store directory,
 * for tests and the quick start.
 *
 * <p>The store directory belongs to this object, not to one process: {@link #stop()} and
 * {@link #restart()} keep it, so streams, messages and durable consumers survive a restart on the same
 * port, as they do for a real server. {@link #close()} stops the process and deletes it.
 *
 * <p>The binary is looked up as jnats-server-runner does (the {@code nats_server_path} system property
 * or environment variable, then {@code nats-server} on the {@code PATH}), with Debian's
 * {@code /usr/sbin/nats-server} as the last resort, because {@code /usr/sbin} is often not on the
 * {@code PATH} of a build.
 */
public final class NatsServers implements AutoCloseable {

  private static final String SERVER_PATH_PROPERTY = "nats_server_path";
  private static final List<Path> WELL_KNOWN_BINARIES =
      List.of(Path.of("/usr/sbin/nats-server"), Path.of("/usr/local/bin/nats-server"), Path.of("/usr/bin/nats-server"));

  private final int port;
  private final Path storeDir;
  private final List<String> extraArgs;
  private final List<String> configLines;
  private NatsServerRunner runner;

  private NatsServers(int port, Path storeDir, List<String> extraArgs, List<String> configLines) {
    this.port = port;
    this.storeDir = storeDir;
    this.extraArgs = List.copyOf(extraArgs);
    this.configLines = List.copyOf(configLines);
  }

  /** Starts a server with JetStream on a free port. */
  public static NatsServers start() {
    return start(freePort());
  }

  /** Starts a server with JetStream on the given port, so that clients may have been pointed at it before. */
  public static NatsServers start(int port) {
    return start(port, List.of());
  }

  /**
   * Starts a server with further {@code nats-server} command-line options, for example
   * {@code List.of("--auth", "token")} or {@code List.of("--user", "bob", "--pass", "secret")}.
   */
  public static NatsServers start(int port, List<String> serverArgs) {
    return start(port, serverArgs, List.of());
  }

  /**
   * Starts a server with lines added to its configuration file, for what the command line cannot say
   * (nkey users, for example {@code authorization { users = [ { nkey: "U..." } ] }}).
   */
  public static NatsServers start(int port, List<String> serverArgs, List<String> configLines) {
    Path storeDir;
    try {
      storeDir = Files.createTempDirectory("nats-js-" + port + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    NatsServers servers = new NatsServers(port, storeDir, serverArgs, configLines);
    servers.launch();
    return servers;
  }

  /** A port nobody listens on right now (there is a small race until a server binds it; fine in tests). */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return "nats://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public Path storeDir() {
    return storeDir;
  }

  public synchronized boolean isRunning() {
    return runner != null;
  }

  /** Stops the process (gracefully, so JetStream writes its state) and keeps the store directory. */
  public synchronized void stop() {
    if (runner == null) {
      return;
    }
    String configFile = runner.getConfigFile();
    try {
      runner.shutdown(true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping nats-server on port " + port, e);
    } finally {
      runner = null;
      deleteQuietly(configFile == null ? null : Path.of(configFile));
    }
  }

  /** Stops the process and starts a new one on the same port with the same store directory. */
  public synchronized void restart() {
    stop();
    launch();
  }

  /** Stops the process and deletes the store directory. */
  @Override
  public synchronized void close() {
    try {
      stop();
    } finally {
      deleteRecursively(storeDir);
    }
  }

  private synchronized void launch() {
    try {
      runner = NatsServerRunner.builder()
          .executablePath(serverBinary())
          .port(port)
          .configInserts(configLines)
          // JetStream through the command line rather than the runner's jetstream() switch, which picks its
          // own temporary store directory: ours must outlive the process for restart().
          .customArgs(Stream.concat(Stream.of("-js", "-sd", storeDir.toString()), extraArgs.stream()).toList())
          // the server's startup banner is noise in test reports; its warnings and errors are not
          .outputLogger(Logger.getLogger(NatsServers.class.getName()))
          .outputLevel(Level.WARNING)
          // the runner's defaults wait about two seconds for a server that is ready in milliseconds
          .processCheckWait(50L)
          .connectValidateInitialDelay(20L)
          .connectValidateSubsequentDelay(50L)
          // ...but on a loaded 2-core CI machine JetStream may take a few seconds to listen: keep asking
          .connectValidateTries(200)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start nats-server on port " + port, e);
    }
  }

  private static Path serverBinary() {
    String configured = System.getProperty(SERVER_PATH_PROPERTY, System.getenv(SERVER_PATH_PROPERTY));
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(dir, "nats-server");
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    return WELL_KNOWN_BINARIES.stream()
        .filter(Files::isExecutable)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(
            "nats-server not found: put it on the PATH or set -D" + SERVER_PATH_PROPERTY + "=/path/to/nats-server"));
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(NatsServers::deleteQuietly);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private static void deleteQuietly(Path path) {
    if (path == null) {
      return;
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // a leftover file in the temp directory is harmless; a failing test cleanup would hide the real result
    }
  }
}
