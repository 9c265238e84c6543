package dev.tracebridge.cli;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.LogConfig;
import dev.tracebridge.runtime.Bridge;
import dev.tracebridge.tracing.Telemetry;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Runs every route until SIGTERM or SIGINT, then drains and exits 0.",
        "SIGHUP (and --watch, on change) re-reads the file: an invalid file is rejected and logged; changed routes",
        "are drained and restarted, new ones started, removed ones stopped, untouched ones go on."},
    footerHeading = "%nLogs:%n",
    footer = {
        "Logs go to standard output: text, or one JSON object a line (--log-format json).",
        "The format: --log-format, else BRIDGE_LOG_FORMAT (text|json), else bridge.log.format.",
        "Levels per logger: BRIDGE_LOG_LEVELS, for example",
        "  BRIDGE_LOG_LEVELS=org.apache.kafka=WARN,dev.tracebridge=DEBUG",
        "over bridge.log.levels { }; 'root' names all other loggers."})
final class RunCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
  static final int CANNOT_GO_ON = 1;

  @Mixin
  ConfigFileOption config;

  @Option(names = "--log-format", paramLabel = "text|json",
      description = "text (default) or json: one JSON object a line. Overrides BRIDGE_LOG_FORMAT and bridge.log.format.")
  String logFormat;

  @Option(names = "--watch",
      description = "Also re-read the configuration file when its content changes (SIGHUP always does).")
  boolean watch;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    Optional<LogConfig.Format> format = Optional.ofNullable(logFormat).map(f -> LogConfig.Format.parse(f)
        .orElseThrow(() -> usageError("--log-format: expected text or json, found '" + f + "'")));
    // What is logged before the file is read already follows the command line and the environment.
    Logging.apply(logSettings(LogConfig.DEFAULT, format));
    Optional<BridgeConfig> loaded = config.load(System.err);
    if (loaded.isEmpty()) {
      return CANNOT_GO_ON;
    }
    Logging.apply(logSettings(loaded.get().log(), format));
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger signals = new AtomicInteger();
    // Handle the signals ourselves instead of in a shutdown hook: the JVM would then exit with
    // 128+signal, while a clean drain after SIGTERM must exit 0. A second signal means "now": the
    // operator does not want to wait for the drain, and whatever was not committed is delivered again.
    sun.misc.SignalHandler handler = signal -> {
      if (signals.incrementAndGet() > 1) {
        System.err.println("second " + signal.getName() + " received: stopping at once without draining");
        Runtime.getRuntime().halt(CANNOT_GO_ON);
      }
      stop.countDown();
    };
    Signal.handle(new Signal("TERM"), handler);
    Signal.handle(new Signal("INT"), handler);

    try (Telemetry telemetry = Telemetry.autoConfigure(loaded.get())) {
      Bridge bridge = Bridge.start(loaded.get(), telemetry);
      bridge.adminPort().ifPresent(port -> log.info("admin server listening on port {}", port));
      try (ConfigReloader reloader = new ConfigReloader(config.file, bridge,
          next -> Logging.apply(logSettings(next.log(), format)))) {
        Signal.handle(new Signal("HUP"), signal -> reloader.request());
        if (watch) {
          reloader.watch();
        }
        stop.await();
      }
      log.info("signal received");
      bridge.close();
    }
    return 0;
  }

  /** The file's settings under the command line's and the environment's; a variable that cannot be read is a usage error. */
  private LogConfig logSettings(LogConfig file, Optional<LogConfig.Format> commandLine) {
    try {
      return file.resolve(commandLine, System.getenv());
    } catch (IllegalArgumentException e) {
      throw usageError(e.getMessage());
    }
  }

  private ParameterException usageError(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
