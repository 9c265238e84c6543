package dev.tracebridge.testkit.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One bridge process started through the distribution's launcher, as users and images start it. The
 * launcher execs the JVM, so the process's pid is the bridge's: SIGKILL and SIGTERM reach it, and its
 * RSS is in {@code /proc/<pid>/status}. Everything is seen from outside: the admin port's /readyz.
 */
public final class BridgeProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final Process process;
  private final int adminPort;

  private BridgeProcess(Process process, int adminPort) {
    this.process = process;
    this.adminPort = adminPort;
  }

  /** Runs {@code launcher run --config config}, appending its output to {@code log}. */
  public static BridgeProcess start(Path launcher, Path config, int adminPort, Path log) throws IOException {
    if (!Files.isExecutable(launcher)) {
      throw new IllegalStateException(launcher.toAbsolutePath() + " is missing: run `mvn -B -DskipTests package` first");
    }
    Process process = new ProcessBuilder(launcher.toString(), "run", "--config", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    return new BridgeProcess(process, adminPort);
  }

  public long pid() {
    return process.pid();
  }

  public int adminPort() {
    return adminPort;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** Whether /readyz answers 200 now. */
  public boolean ready() {
    return status("/readyz") == 200;
  }

  /** The HTTP status of an admin path, or -1 when nothing answers. */
  public int status(String path) {
    try {
      HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The body of an admin path, for reports ({@code /routes}); empty when nothing answers. */
  public String body(String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Resident set size in KiB from {@code /proc/<pid>/status}, or -1 when unavailable. */
  public long rssKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** SIGKILL: nothing drains, nothing commits. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM and wait for the drain; the exit status, or -1 when it did not stop in time (then killed). */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return process.exitValue();
    }
    kill();
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
