package dev.tracebridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LogConfigTest {

  private static final LogConfig FILE = new LogConfig(Optional.of(LogConfig.Format.JSON),
      Map.of("org.apache.kafka", "WARN", "dev.tracebridge", "INFO"));

  @Test
  void commandLineWinsOverEnvironmentWhichWinsOverTheFile() {
    Map<String, String> env = Map.of(LogConfig.FORMAT_VARIABLE, "text");
    assertEquals(Optional.of(LogConfig.Format.JSON),
        FILE.resolve(Optional.of(LogConfig.Format.JSON), env).format());
    assertEquals(Optional.of(LogConfig.Format.TEXT), FILE.resolve(Optional.empty(), env).format());
    assertEquals(Optional.of(LogConfig.Format.JSON), FILE.resolve(Optional.empty(), Map.of()).format());
    assertEquals(LogConfig.Format.TEXT, LogConfig.DEFAULT.resolve(Optional.empty(), Map.of()).formatOrDefault());
    assertEquals(Optional.of(LogConfig.Format.JSON),
        LogConfig.DEFAULT.resolve(Optional.empty(), Map.of(LogConfig.FORMAT_VARIABLE, " JSON ")).format());
  }

  @Test
  void levelsFromTheEnvironmentAreLaidOverTheFilesLoggerByLogger() {
    LogConfig resolved = FILE.resolve(Optional.empty(),
        Map.of(LogConfig.LEVELS_VARIABLE, " dev.tracebridge = debug ,root=warn,"));
    assertEquals(Map.of("org.apache.kafka", "WARN", "dev.tracebridge", "DEBUG", "root", "WARN"), resolved.levels());
  }

  @Test
  void aVariableThatCannotBeReadIsAnErrorNamingIt() {
    IllegalArgumentException format = assertThrows(IllegalArgumentException.class,
        () -> FILE.resolve(Optional.empty(), Map.of(LogConfig.FORMAT_VARIABLE, "xml")));
    assertEquals("BRIDGE_LOG_FORMAT: expected text or json, found 'xml'", format.getMessage());
    for (String bad : new String[] {"org.apache.kafka", "=WARN", "a=LOUD"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogConfig.parseLevels(bad));
      assertEquals("BRIDGE_LOG_LEVELS: expected logger=LEVEL with LEVEL one of TRACE, DEBUG, INFO, WARN, ERROR, OFF,"
          + " found '" + bad + "'", e.getMessage());
    }
  }
}
