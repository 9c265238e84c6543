package dev.tracebridge.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.tracebridge.config.LogConfig;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Sets up the distribution's Logback from a {@link LogConfig}: one console appender on standard output,
 * text or JSON lines, and the levels per logger. Done in code rather than in a {@code logback.xml}
 * because the format and levels come from the command line, the environment and the routes file, which
 * a static file cannot all read; a user who wants a file of their own still can, with
 * {@code -Dlogback.configurationFile=...} in {@code JAVA_OPTS}, and the bridge then leaves logging alone.
 */
final class Logging {

  /** Text: time, level, short logger name, the MDC ({@code route}, {@code trace_id}, {@code span_id}) when set, message. */
  static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{36}%replace( [%mdc]){' \\[\\]', ''} - %msg%n";

  /**
   * The clients log every reconnect attempt at INFO, and the Kafka network client warns several times a
   * second while a broker is down; the bridge reports connectivity itself, once per change, with the reason.
   */
  private static final Map<String, Level> QUIET_CLIENTS = Map.of(
      "org.apache.kafka", Level.WARN,
      "org.apache.kafka.clients.NetworkClient", Level.ERROR,
      "io.netty", Level.WARN);

  private Logging() {
  }

  /** True when the user gave a Logback file of their own: the bridge then configures nothing. */
  static boolean userConfigured() {
    return System.getProperty("logback.configurationFile") != null;
  }

  /** Replaces whatever configuration the context had with the one {@code settings} describe. */
  static void apply(LoggerContext context, LogConfig settings) {
    context.reset();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("console");
    console.setEncoder(encoder(context, settings.formatOrDefault()));
    console.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(console);
    root.setLevel(Level.INFO);
    QUIET_CLIENTS.forEach((name, level) -> context.getLogger(name).setLevel(level));
    settings.levels().forEach((name, level) -> logger(context, name).setLevel(Level.toLevel(level)));
  }

  /** As {@link #apply(LoggerContext, LogConfig)} on the process's Logback, unless the user configured it. */
  static void apply(LogConfig settings) {
    if (!userConfigured() && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      apply(context, settings);
    }
  }

  private static Logger logger(LoggerContext context, String name) {
    return context.getLogger("root".equalsIgnoreCase(name) ? org.slf4j.Logger.ROOT_LOGGER_NAME : name);
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogConfig.Format format) {
    if (format == LogConfig.Format.JSON) {
      JsonLineEncoder json = new JsonLineEncoder();
      json.setContext(context);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }
}
