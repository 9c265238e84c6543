package dev.tracebridge.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code bridge.nats}: the servers every NATS and JetStream endpoint uses, with authentication
 * (at most one of token, user/password, credentials file, nkey seed file) and TLS.
 */
public record NatsClusterConfig(
    List<String> servers,
    Optional<Secret> token,
    Optional<String> user,
    Optional<Secret> password,
    Optional<Path> credentialsFile,
    Optional<Path> nkeyFile,
    Optional<TlsConfig> tls) {

  public NatsClusterConfig {
    servers = List.copyOf(servers);
  }

  public static NatsClusterConfig of(List<String> servers) {
    return new NatsClusterConfig(servers, Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * {@code bridge.nats.tls}: key and trust stores (JKS or PKCS12); {@code handshake-first} for servers
   * that require TLS before the INFO line.
   */
  public record TlsConfig(
      Optional<Path> keystore,
      Optional<Secret> keystorePassword,
      Optional<Path> truststore,
      Optional<Secret> truststorePassword,
      boolean handshakeFirst) {
  }
}
