package dev.tracebridge.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.testkit.NatsServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading through the real launcher: SIGHUP with an invalid file is rejected with file and line in the
 * log while the routes go on; SIGHUP with a valid file adds a route; {@code --watch} applies a change
 * without a signal. The brokers are not running: what is checked is what the bridge does with its routes.
 */
@Timeout(180)
class ReloadIT {

  private final HttpClient http = HttpClient.newHttpClient();

  private static String config(int adminPort, String routes) {
    return """
        bridge {
          admin.port = %d
          shutdown-timeout = 6s
          kafka.bootstrap-servers = "127.0.0.1:%d"
          nats.servers = ["nats://127.0.0.1:%d"]
          routes { %s }
        }
        """.formatted(adminPort, NatsServers.freePort(), NatsServers.freePort(), routes);
  }

  private static final String FIRST = "first { from.kafka { topics = [\"a\"] }, to.nats { subject = \"a\" } }";
  private static final String SECOND = "second { from.nats { subject = \"b\" }, to.kafka { topic = \"b\" } }";

  @Test
  void sighupRejectsAnInvalidFileThenAppliesAValidOneAndWatchFollowsChanges(@TempDir Path dir) throws Exception {
    int adminPort = NatsServers.freePort();
    Path file = dir.resolve("routes.conf");
    Files.writeString(file, config(adminPort, FIRST));
    Path log = Path.of("target/reload.log");
    Files.deleteIfExists(log);
    Process bridge = Launcher.start("reload", Map.of(), "run", "--config", file.toString(), "--watch");
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> routes(adminPort) != null);
      assertTrue(routes(adminPort).contains("\"first\""));

      Files.writeString(file, "bridge { routes { broken { from.kafka { topics = 42 } } } }\n");
      hangUp(bridge);
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("rejected"));
      assertTrue(Files.readString(log).contains(file + ":1"), "the problem names file and line");
      assertTrue(routes(adminPort).contains("\"first\""), "the running route goes on");

      Files.writeString(file, config(adminPort, (FIRST + "\n" + SECOND)));
      hangUp(bridge);
      await().atMost(Duration.ofSeconds(30)).until(() -> routes(adminPort).contains("\"second\""));
      String routes = routes(adminPort);
      assertTrue(routes.contains("\"first\""), routes);
      assertTrue(routes.contains("\"configVersion\":2"), routes);

      // --watch: a change is applied without a signal
      Files.writeString(file, config(adminPort, SECOND));
      await().atMost(Duration.ofSeconds(30)).until(() -> !routes(adminPort).contains("\"first\""));
      assertTrue(routes(adminPort).contains("\"second\""));
    } finally {
      bridge.destroy();
      assertTrue(bridge.waitFor(60, TimeUnit.SECONDS));
    }
    assertEquals(0, bridge.exitValue(), "SIGTERM after reloads still drains and exits 0");
  }

  private static void hangUp(Process process) throws Exception {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
    assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0);
  }

  private String routes(int port) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/routes")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      return null;
    }
  }
}
