package dev.tracebridge.config;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code bridge.log}: how the bridge writes its log, independent of the logging backend that carries it
 * out (the distribution's is Logback).
 *
 * <p>{@code format} is empty when the file does not say, so that the command line and the environment
 * can be told apart from the default when they are merged ({@link #resolve}): command line over
 * environment over file, text when none says. {@code levels} maps a logger name (a prefix of class
 * names, {@code org.apache.kafka}; {@code root} for all others) to its level, in upper case.
 */
public record LogConfig(Optional<Format> format, Map<String, String> levels) {

  public static final LogConfig DEFAULT = new LogConfig(Optional.empty(), Map.of());

  /** The variable that picks the format, as {@code --log-format} does. */
  public static final String FORMAT_VARIABLE = "BRIDGE_LOG_FORMAT";
  /** The variable that sets levels per logger: {@code org.apache.kafka=WARN,dev.tracebridge=DEBUG}. */
  public static final String LEVELS_VARIABLE = "BRIDGE_LOG_LEVELS";
  /** The levels a logger may be set to, as SLF4J names them, plus OFF. */
  public static final List<String> LEVEL_NAMES = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  /** Text lines for people, or one JSON object a line for log collectors. */
  public enum Format {
    TEXT, JSON;

    /** Reads {@code text} or {@code json}, in any case; empty for anything else. */
    public static Optional<Format> parse(String value) {
      String name = value.trim().toUpperCase(Locale.ROOT);
      return Arrays.stream(values()).filter(f -> f.name().equals(name)).findFirst();
    }
  }

  public LogConfig {
    levels = Map.copyOf(levels);
  }

  /** The format in force: the file's, else text. */
  public Format formatOrDefault() {
    return format.orElse(Format.TEXT);
  }

  /** A level name in upper case when it is one of {@link #LEVEL_NAMES} ({@code warning} is not). */
  public static Optional<String> level(String value) {
    String name = value.trim().toUpperCase(Locale.ROOT);
    return LEVEL_NAMES.contains(name) ? Optional.of(name) : Optional.empty();
  }

  /**
   * Reads {@code BRIDGE_LOG_LEVELS}: {@code logger=LEVEL} pairs separated by commas; blanks around them
   * are ignored. A malformed pair or an unknown level is an error, naming the pair: a level silently
   * not applied would hide exactly the lines someone asked for.
   */
  public static Map<String, String> parseLevels(String text) {
    Map<String, String> levels = new LinkedHashMap<>();
    for (String pair : text.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String logger = eq < 0 ? "" : pair.substring(0, eq).trim();
      Optional<String> level = eq < 0 ? Optional.empty() : level(pair.substring(eq + 1));
      if (logger.isEmpty() || level.isEmpty()) {
        throw new IllegalArgumentException(LEVELS_VARIABLE + ": expected logger=LEVEL with LEVEL one of "
            + String.join(", ", LEVEL_NAMES) + ", found '" + pair.trim() + "'");
      }
      levels.put(logger, level.get());
    }
    return levels;
  }

  /**
   * The settings in force: the format from the command line, else {@code BRIDGE_LOG_FORMAT}, else the
   * file; the file's levels with {@code BRIDGE_LOG_LEVELS} laid over them, logger by logger.
   *
   * @throws IllegalArgumentException when a variable holds something that is not a format or levels
   */
  public LogConfig resolve(Optional<Format> commandLine, Map<String, String> environment) {
    Optional<Format> chosen = commandLine;
    String variable = environment.get(FORMAT_VARIABLE);
    if (chosen.isEmpty() && variable != null && !variable.isBlank()) {
      chosen = Optional.of(Format.parse(variable).orElseThrow(() -> new IllegalArgumentException(
          FORMAT_VARIABLE + ": expected text or json, found '" + variable.trim() + "'")));
    }
    Map<String, String> merged = new TreeMap<>(levels);
    String levelsVariable = environment.get(LEVELS_VARIABLE);
    if (levelsVariable != null) {
      merged.putAll(parseLevels(levelsVariable));
    }
    return new LogConfig(chosen.or(() -> format), merged);
  }
}
