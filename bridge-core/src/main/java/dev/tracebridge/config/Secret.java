package dev.tracebridge.config;

/** A secret value from the configuration. Its {@code toString} never shows it, so logs and errors cannot. */
public record Secret(String value) {
  @Override
  public String toString() {
    return "****";
  }
}
