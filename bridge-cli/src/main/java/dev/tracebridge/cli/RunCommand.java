package dev.tracebridge.cli;

import dev.tracebridge.config.BridgeConfig;
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
import sun.misc.Signal;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Runs every route until SIGTERM or SIGINT, then drains and exits 0.")
final class RunCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
  static final int CANNOT_GO_ON = 1;

  @Mixin
  ConfigFileOption config;

  @Override
  public Integer call() throws InterruptedException {
    Optional<BridgeConfig> loaded = config.load(System.err);
    if (loaded.isEmpty()) {
      return CANNOT_GO_ON;
    }
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
      stop.await();
      log.info("signal received");
      bridge.close();
    }
    return 0;
  }
}
