package dev.tracebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
}
