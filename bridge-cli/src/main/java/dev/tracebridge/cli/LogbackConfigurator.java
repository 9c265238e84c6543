package dev.tracebridge.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.tracebridge.config.LogConfig;
import java.util.Optional;

/**
 * Logback's first configuration, found through {@code META-INF/services}: the format and levels from
 * {@code BRIDGE_LOG_FORMAT} and {@code BRIDGE_LOG_LEVELS} from the first line on, so that even what is
 * logged before the command line and the routes file are read is in the format asked for (a JSON log
 * with a text line at its top breaks the collector's parser). {@code run} applies the complete settings
 * later ({@link Logging#apply(LogConfig)}). A variable that cannot be read is left to {@code run} to
 * report; until then the defaults apply.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogbackConfigurator extends ContextAwareBase implements Configurator {

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (Logging.userConfigured()) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    LogConfig settings;
    try {
      settings = LogConfig.DEFAULT.resolve(Optional.empty(), System.getenv());
    } catch (IllegalArgumentException e) {
      settings = LogConfig.DEFAULT;
    }
    Logging.apply(context, settings);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
