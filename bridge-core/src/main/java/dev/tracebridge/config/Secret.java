package dev.tracebridge.config;

import java.util.Map;
import java.util.TreeMap;

/** A secret value from the configuration. Its {@code toString} never shows it, so logs and errors cannot. */
public record Secret(String value) {
  @Override
  public String toString() {
    return "****";
  }

  /**
   * Client properties as a configuration record's {@code toString} shows them: names only, every value
   * hidden. Which properties hold secrets is the client's business ({@code sasl.jaas.config},
   * {@code ssl.*.password}, a provider's own keys...), so none is shown.
   */
  static String redacted(Map<String, String> properties) {
    Map<String, String> shown = new TreeMap<>();
    properties.keySet().forEach(name -> shown.put(name, "****"));
    return shown.toString();
  }
}
