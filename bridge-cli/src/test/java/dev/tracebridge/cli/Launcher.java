package dev.tracebridge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the distribution's real launcher {@code bin/bridge} as a separate process, as users and images do. */
final class Launcher {

  static final Path HOME = Path.of(System.getProperty("bridge.home", "target/bridge"));

  private Launcher() {
  }

  static Path script() {
    Path script = HOME.resolve("bin/bridge");
    if (!Files.isExecutable(script)) {
      throw new IllegalStateException(script.toAbsolutePath() + " is missing; the *IT tests run after `mvn package`");
    }
    return script;
  }

  /** Starts {@code bin/bridge args...}; stdout and stderr go to {@code target/<logName>.log}. */
  static Process start(String logName, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(script().toString());
    command.addAll(List.of(args));
    Path log = Path.of("target", logName + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Runs a short command to its end and returns its exit status, stdout and stderr. */
  static Result run(String... args) throws IOException, InterruptedException {
    return run(Map.of(), args);
  }

  /** Like {@link #run(String...)}, with these environment variables set (JAVA_OPTS, say). */
  static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(script().toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("bridge-out", ".txt");
    Path err = Files.createTempFile("bridge-err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().putAll(env);
    Process p = builder.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("bridge " + String.join(" ", args) + " did not finish");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  record Result(int exitStatus, String stdout, String stderr) {
  }
}
