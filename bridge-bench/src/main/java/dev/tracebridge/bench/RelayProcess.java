package dev.tracebridge.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One relay running as its own process (the bridge through its launcher, or the baseline), so that both
 * are measured the same way from outside: CPU time from {@code /proc/<pid>/stat} and peak RSS from
 * {@code /proc/<pid>/status}. The launcher execs the JVM, so the pid started here is the relay's.
 */
final class RelayProcess implements AutoCloseable {

  /** USER_HZ: the unit of utime and stime in /proc/<pid>/stat; 100 on every Linux this runs on. */
  private static final long CLOCK_TICKS_PER_SECOND = 100;

  private final Process process;
  private final Path log;
  private final int adminPort;

  private RelayProcess(Process process, Path log, int adminPort) {
    this.process = process;
    this.log = log;
    this.adminPort = adminPort;
  }

  /**
   * Starts {@code command} with {@code env} added to this process's environment and {@code JAVA_OPTS}
   * removed, so that the launcher applies its defaults; output goes to {@code log}. {@code adminPort} is
   * the bridge's admin port, 0 for the baseline, which has none.
   */
  static RelayProcess start(List<String> command, Map<String, String> env, Path log, int adminPort) {
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().remove("JAVA_OPTS");
    builder.environment().putAll(env);
    try {
      return new RelayProcess(builder.start(), log, adminPort);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  int adminPort() {
    return adminPort;
  }

  Path log() {
    return log;
  }

  /** Whether the relay's log holds {@code marker} (the baseline prints one once it is subscribed). */
  boolean logged(String marker) {
    try {
      return Files.readString(log).contains(marker);
    } catch (IOException e) {
      return false;
    }
  }

  /** User plus system CPU time of every thread of the process, in microseconds; -1 once it is gone. */
  long cpuMicros() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
      // the command name (field 2) may hold spaces: count fields after its closing parenthesis
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks * 1_000_000 / CLOCK_TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The process's peak resident set size so far (VmHWM) in KiB; -1 once it is gone. */
  long peakRssKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** SIGTERM, then wait for the drain (the bridge flushes its spans then); the exit status, -1 if killed. */
  int terminate(long timeoutSeconds) throws InterruptedException {
    process.destroy();
    if (process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
