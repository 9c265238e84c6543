package dev.tracebridge.bench;

import dev.tracebridge.testkit.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The configuration file a benchmark starts the bridge's launcher with: {@code <dir>/<id>.conf}, with the
 * admin server on a free port of 127.0.0.1 (the benchmarks poll its {@code /readyz}), the brokers, and the
 * benchmark's own settings (its routes and anything else).
 */
record BridgeConfigFile(Path path, int adminPort) {

  static BridgeConfigFile write(Path dir, String id, String kafkaBootstrap, String natsUrl, String settings)
      throws IOException {
    int adminPort = EmbeddedKafka.freePort();
    Path path = dir.resolve(id + ".conf");
    Files.writeString(path, """
        bridge {
          admin { host = "127.0.0.1", port = %d }
          kafka.bootstrap-servers = "%s"
          nats.servers = ["%s"]
        %s}
        """.formatted(adminPort, kafkaBootstrap, natsUrl, settings.indent(2)));
    return new BridgeConfigFile(path, adminPort);
  }
}
