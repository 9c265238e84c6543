package dev.tracebridge.config;

/** {@code bridge.admin}: the Netty admin server. Port 0 picks a free port. */
public record AdminConfig(boolean enabled, String host, int port) {
  public static final AdminConfig DEFAULT = new AdminConfig(true, "0.0.0.0", 8080);
}
