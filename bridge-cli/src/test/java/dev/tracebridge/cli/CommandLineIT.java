package dev.tracebridge.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.testkit.NatsServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line through the real launcher: exit statuses, help, and validate's report. */
class CommandLineIT {

  @Test
  void versionAndHelp() throws Exception {
    Launcher.Result version = Launcher.run("version");
    assertEquals(0, version.exitStatus());
    assertTrue(version.stdout().startsWith("bridge 0."), version.stdout());
    for (String command : List.of("--help", "run --help", "validate --help", "version --help")) {
      Launcher.Result help = Launcher.run(command.split(" "));
      assertEquals(0, help.exitStatus(), command);
      assertTrue(help.stdout().contains("Usage: bridge"), command + ": " + help.stdout());
    }
  }

  @Test
  void theLaunchersJvmDefaultsGiveWayToJavaOpts() throws Exception {
    // -XX:+PrintCommandLineFlags prints the flags the JVM started with, before the bridge's own output
    Launcher.Result defaults = Launcher.run(Map.of("JAVA_OPTS", "-XX:+PrintCommandLineFlags"), "version");
    assertEquals(0, defaults.exitStatus(), defaults.stderr());
    for (String flag : List.of("-XX:+UseSerialGC", "-XX:MaxHeapSize=402653184", "-XX:NewSize=67108864",
        "-XX:TieredStopAtLevel=1",
        "-XX:+ExitOnOutOfMemoryError")) {
      assertTrue(defaults.stdout().contains(flag), flag + " in " + defaults.stdout());
    }

    Launcher.Result own = Launcher.run(
        Map.of("JAVA_OPTS", "-XX:+UseParallelGC -XX:MaxRAMPercentage=10 -XX:+PrintCommandLineFlags"), "version");
    assertEquals(0, own.exitStatus(), "one collector only: ours gives way; " + own.stderr());
    assertTrue(own.stdout().contains("-XX:+UseParallelGC"), own.stdout());
    assertFalse(own.stdout().contains("-XX:+UseSerialGC"), own.stdout());
    assertFalse(own.stdout().contains("-XX:MaxHeapSize=402653184"), "a heap setting in JAVA_OPTS replaces ours");
    assertTrue(own.stdout().contains("bridge 0."), own.stdout());
  }

  @Test
  void usageErrorsExit2() throws Exception {
    assertEquals(2, Launcher.run("frobnicate").exitStatus());
    assertEquals(2, Launcher.run("validate").exitStatus(), "--config is required");
    assertEquals(2, Launcher.run().exitStatus(), "a command is required");
  }

  @Test
  void validateAcceptsTheExamplesAndPrintsTheirRoutes() throws Exception {
    Launcher.Result result = Launcher.run("validate", "--config", Path.of("../conf/routes.conf").toString());
    assertEquals(0, result.exitStatus(), result.stderr());
    assertTrue(result.stdout().contains("valid"), result.stdout());
  }

  @Test
  void validateReportsEveryProblemWithFileLineAndKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.conf");
    Files.writeString(file, String.join("\n",
        "bridge {",
        "  routes {",
        "    a {",
        "      from.kafka { topcis = [\"orders\"] }",
        "      to.nats { subject = \"orders.{subject}\" }",
        "    }",
        "    b {",
        "      from.nats { subject = \"in.>\" }",
        "      to.kafka { topic = \"out\" }",
        "      retry { max-attempts = many }",
        "    }",
        "  }",
        "}",
        ""));
    Launcher.Result result = Launcher.run("validate", "--config", file.toString());
    assertEquals(2, result.exitStatus(), result.stdout() + result.stderr());
    List<String> lines = result.stderr().lines().toList();
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(file + ":4: bridge.routes.a.from.kafka.topcis: ")), result.stderr());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(file + ":5: bridge.routes.a.to.nats.subject: ")), result.stderr());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith(file + ":10: bridge.routes.b.retry.max-attempts: ")), result.stderr());
  }

  @Test
  void runWithAnInvalidFileExits1AndNamesTheProblem(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.conf");
    Files.writeString(file, "bridge { routes { a { from.kafka { topics = [\"t\"] } } } }\n");
    Launcher.Result result = Launcher.run("run", "--config", file.toString());
    assertEquals(1, result.exitStatus());
    assertTrue(result.stderr().contains(file + ":1: bridge.routes.a"), result.stderr());
  }

  @Test
  void secretsNeverAppearInLogsErrorsOrEndpoints(@TempDir Path dir) throws Exception {
    int adminPort = NatsServers.freePort();
    Path file = dir.resolve("secret.conf");
    // Brokers that do not run: the bridge retries, logs its connection errors and reports not ready.
    Files.writeString(file, """
        bridge {
          admin.port = %d
          kafka {
            bootstrap-servers = "127.0.0.1:%d"
            properties {
              security.protocol = SASL_PLAINTEXT
              sasl.mechanism = PLAIN
              sasl.jaas.config = "org.apache.kafka.common.security.plain.PlainLoginModule required \
              username=\\"u\\" password=\\"kafka-Secret-42\\";"
            }
          }
          nats { servers = ["nats://127.0.0.1:%d"], token = "nats-Secret-43" }
          routes {
            secretive {
              from.kafka { topics = ["s"] }
              to.nats { subject = "s" }
            }
            secretive-back {
              from.nats { subject = "s" }
              to.kafka { topic = "s" }
            }
          }
        }
        """.formatted(adminPort, NatsServers.freePort(), NatsServers.freePort()));
    Process bridge = Launcher.start("secrets", Map.of(), "run", "--config", file.toString());
    List<String> answers = new ArrayList<>();
    try {
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(Duration.ofSeconds(30)).until(() -> get(http, adminPort, "/readyz") != null);
      // The clients have tried and failed to connect (with the secrets in hand) and said so in the log.
      await().atMost(Duration.ofSeconds(30))
          .until(() -> Files.readString(Path.of("target/secrets.log")).contains("cannot connect"));
      for (String path : List.of("/readyz", "/routes", "/metrics", "/healthz")) {
        answers.add(get(http, adminPort, path));
      }
    } finally {
      bridge.destroy();
      assertTrue(bridge.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(answers.get(0).contains("secretive"), answers.get(0));
    String log = Files.readString(Path.of("target/secrets.log"));
    assertTrue(log.contains("secretive"), "the log was written: " + log);
    for (String text : concat(answers, log)) {
      assertFalse(text.contains("kafka-Secret-42"), text);
      assertFalse(text.contains("nats-Secret-43"), text);
    }
  }

  private static List<String> concat(List<String> answers, String log) {
    List<String> all = new ArrayList<>(answers);
    all.add(log);
    return all;
  }

  private static String get(HttpClient http, int port, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      return null;
    }
  }
}
