package dev.tracebridge.cli;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.reply.ReplyRelay;
import dev.tracebridge.route.RouteDescriptions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "validate", mixinStandardHelpOptions = true,
    description = "Checks a configuration file without touching any broker and prints the routes it would run.")
final class ValidateCommand implements Callable<Integer> {

  static final int INVALID = 2;

  @Mixin
  ConfigFileOption config;

  @Override
  public Integer call() {
    Optional<BridgeConfig> loaded = config.load(System.err);
    if (loaded.isEmpty()) {
      return INVALID;
    }
    // with the reply relay <route>-replies of each request-reply route: the bridge runs it as a route too
    List<RouteConfig> routes = ReplyRelay.withRelays(loaded.get().routes());
    for (RouteConfig route : routes) {
      System.out.println(route.name() + ": " + RouteDescriptions.source(route.from()) + " -> "
          + RouteDescriptions.sink(route.to())
          + route.deadLetter().map(dl -> ", dead letter " + RouteDescriptions.sink(dl)).orElse(""));
    }
    System.out.println(config.file + ": valid, " + routes.size() + " routes");
    return 0;
  }
}
