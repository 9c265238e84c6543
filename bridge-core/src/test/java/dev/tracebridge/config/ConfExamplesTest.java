package dev.tracebridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every example in {@code <repository root>/conf/} is a valid configuration that runs routes. */
class ConfExamplesTest {

  @Test
  void everyExampleLoadsWithRoutes() throws IOException {
    List<Path> examples;
    try (Stream<Path> files = Files.list(confDirectory())) {
      examples = files.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
    }
    assertFalse(examples.isEmpty(), "no .conf file in " + confDirectory());
    for (Path example : examples) {
      BridgeConfig config = load(example);
      assertFalse(config.routes().isEmpty(), example + " has no route");
    }
  }

  @Test
  void routesConfShowsAllFourDirectionsAndADeadLetter() {
    BridgeConfig config = load(confDirectory().resolve("routes.conf"));
    Set<String> directions = config.routes().stream()
        .map(r -> r.from().getClass().getSimpleName() + "->" + r.to().getClass().getSimpleName())
        .collect(Collectors.toSet());
    assertEquals(Set.of("Kafka->Nats", "Kafka->JetStream", "Nats->Kafka", "JetStream->Kafka"), directions);
    assertTrue(config.routes().stream().anyMatch(r -> r.deadLetter().isPresent()));
    assertEquals(8080, config.admin().port());
  }

  private static BridgeConfig load(Path file) {
    try {
      return ConfigLoader.load(file);
    } catch (ConfigException e) {
      throw new AssertionError(file + " is invalid:\n" + e.getMessage(), e);
    }
  }

  /** Tests run in the module directory ({@code bridge-core}); the examples live at the repository root. */
  private static Path confDirectory() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !(Files.isDirectory(dir.resolve("conf")) && Files.exists(dir.resolve("pom.xml")))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "no conf/ directory above " + Path.of("").toAbsolutePath());
    return dir.resolve("conf");
  }
}
