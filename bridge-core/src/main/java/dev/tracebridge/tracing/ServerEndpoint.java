package dev.tracebridge.tracing;

import io.nats.client.support.NatsUri;
import java.net.URISyntaxException;

/**
 * {@code server.address} and {@code server.port} of a span: the first Kafka bootstrap server or the first
 * NATS URL, as the conventions ask for a cluster the client reaches through a list of seeds.
 */
record ServerEndpoint(String address, int port) {

  private static final int NATS_DEFAULT_PORT = 4222;
  private static final int KAFKA_DEFAULT_PORT = 9092;

  /** {@code host1:9092,host2:9092} or {@code [::1]:9092}: the first entry. */
  static ServerEndpoint fromKafkaBootstrap(String bootstrapServers) {
    return fromHostPort(firstOf(bootstrapServers), KAFKA_DEFAULT_PORT);
  }

  /**
   * {@code nats://user@host:4222}, {@code tls://host}, {@code host:4222}: the first URL, read by the NATS
   * client's own parser, which keeps {@code user:password@} out of the host and knows the default port.
   */
  static ServerEndpoint fromNatsUrl(String natsUrl) {
    try {
      NatsUri uri = new NatsUri(firstOf(natsUrl));
      return new ServerEndpoint(stripBrackets(uri.getHost()), uri.getPort());
    } catch (URISyntaxException e) {
      // bridge validate refuses such a URL; it is never shown, as it may hold a password
      return new ServerEndpoint("unknown", NATS_DEFAULT_PORT);
    }
  }

  private static String firstOf(String list) {
    int comma = list.indexOf(',');
    return (comma < 0 ? list : list.substring(0, comma)).trim();
  }

  private static ServerEndpoint fromHostPort(String hostPort, int defaultPort) {
    int colon = hostPort.lastIndexOf(':');
    boolean bracketedIpv6 = hostPort.startsWith("[");
    if (colon < 0 || (bracketedIpv6 && colon < hostPort.indexOf(']'))) {
      return new ServerEndpoint(stripBrackets(hostPort), defaultPort);
    }
    try {
      return new ServerEndpoint(stripBrackets(hostPort.substring(0, colon)),
          Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (NumberFormatException e) {
      return new ServerEndpoint(stripBrackets(hostPort), defaultPort);
    }
  }

  private static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
