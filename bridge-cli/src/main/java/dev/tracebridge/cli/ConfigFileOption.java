package dev.tracebridge.cli;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigException;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.config.ConfigProblem;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option that {@code run} and {@code validate} share. */
final class ConfigFileOption {

  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The HOCON routes file.")
  Path file;

  /** The configuration, or empty after printing every problem as {@code FILE:LINE: path.to.key: message}. */
  Optional<BridgeConfig> load(PrintStream err) {
    try {
      return Optional.of(ConfigLoader.load(file));
    } catch (ConfigException e) {
      for (ConfigProblem problem : e.problems()) {
        err.println(problem);
      }
      return Optional.empty();
    }
  }
}
