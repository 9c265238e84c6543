package dev.tracebridge.config;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** The configuration file is not usable; {@link #problems()} lists every mistake found, not only the first. */
public final class ConfigException extends Exception {

  private static final Comparator<ConfigProblem> IN_FILE_ORDER = Comparator.comparing(ConfigProblem::file)
      .thenComparingInt(ConfigProblem::line)
      .thenComparing(ConfigProblem::path)
      .thenComparing(ConfigProblem::message);

  private final List<ConfigProblem> problems;

  /** @param problems at least one; they are kept ordered by file, line and key path */
  public ConfigException(List<ConfigProblem> problems) {
    super(describe(problems));
    this.problems = problems.stream().sorted(IN_FILE_ORDER).toList();
  }

  private static String describe(List<ConfigProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    return problems.stream().sorted(IN_FILE_ORDER).map(ConfigProblem::toString).collect(Collectors.joining("\n"));
  }

  /** Every problem, ordered by file, line and key path, each printable as {@code FILE:LINE: path: message}. */
  public List<ConfigProblem> problems() {
    return problems;
  }
}
