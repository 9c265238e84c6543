package dev.tracebridge.config;

import io.nats.client.support.NatsUri;
import java.net.URISyntaxException;
import java.util.Optional;

/**
 * NATS server URLs as the client reads them. {@code bridge validate} parses each with jnats's own
 * {@link NatsUri}, the parser {@code Options.Builder.servers} uses, so that it accepts exactly what the
 * client accepts (a bare {@code host}, {@code host:port}, {@code user:password@host}, the schemes
 * {@code nats}, {@code tls}, {@code opentls}, {@code ws}, {@code wss}); otherwise a URL that passes
 * {@code validate} would make {@code run} fail, and the client's message quotes the URL, credentials included.
 */
public final class NatsServerUrls {

  private NatsServerUrls() {
  }

  /** What is wrong with {@code url} for the NATS client, or empty; the message shows the URL redacted. */
  static Optional<String> problem(String url) {
    try {
      new NatsUri(url.trim());
      return Optional.empty();
    } catch (URISyntaxException e) {
      // getReason() is the reason alone; getMessage() would quote the whole URL.
      return Optional.of("'" + redact(url) + "' is not a NATS server URL the client can parse: " + e.getReason());
    } catch (RuntimeException e) {
      return Optional.of("'" + redact(url) + "' is not a NATS server URL the client can parse");
    }
  }

  /**
   * One URL with its {@code user:password@} or {@code token@} replaced by {@code ****@}, so that it may be
   * shown. It cuts at the last {@code @}, not at what a URL parser calls user info, because it must also
   * hide the credentials of a URL that does not parse ({@code nats://u:pa ss@host}, {@code nats://u:p/x@host}).
   */
  public static String redact(String url) {
    int at = url.lastIndexOf('@');
    if (at < 0) {
      return url;
    }
    int scheme = url.indexOf("://");
    String prefix = scheme >= 0 && scheme < at ? url.substring(0, scheme + "://".length()) : "";
    return prefix + "****@" + url.substring(at + 1);
  }
}
