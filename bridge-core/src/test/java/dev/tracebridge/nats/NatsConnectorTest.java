package dev.tracebridge.nats;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.Secret;
import dev.tracebridge.testkit.NatsServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class NatsConnectorTest {

  private static NatsClusterConfig withToken(String url, String token) {
    return new NatsClusterConfig(List.of(url), Optional.of(new Secret(token)), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static NatsClusterConfig withUser(String url, String user, String password) {
    return new NatsClusterConfig(List.of(url), Optional.empty(), Optional.of(user), Optional.of(new Secret(password)),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  @Test
  void authenticatesAndNeverLogsASecret() {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
    try (NatsServers tokenServer = NatsServers.start(NatsServers.freePort(), List.of("--auth", "right-t0ken"));
         NatsServers userServer = NatsServers.start(NatsServers.freePort(), List.of("--user", "bob", "--pass", "hunter2"));
         NatsConnector goodToken = new NatsConnector("good-token", withToken(tokenServer.url(), "right-t0ken"));
         NatsConnector badToken = new NatsConnector("bad-token", withToken(tokenServer.url(), "wr0ng-t0ken"));
         NatsConnector goodUser = new NatsConnector("good-user", withUser(userServer.url(), "bob", "hunter2"));
         NatsConnector badUser = new NatsConnector("bad-user", withUser(userServer.url(), "bob", "sw0rdfish"));
         NatsConnector urlWithPassword = new NatsConnector("url-password", NatsClusterConfig.of(
             List.of("nats://bob:pa55word@127.0.0.1:" + NatsServers.freePort())))) {
      for (NatsConnector c : List.of(goodToken, badToken, goodUser, badUser, urlWithPassword)) {
        c.start(connection -> { });
      }

      await().atMost(Duration.ofSeconds(10)).until(() -> goodToken.isConnected() && goodUser.isConnected());
      await().atMost(Duration.ofSeconds(5)).until(() -> log.toString(StandardCharsets.UTF_8).contains("bad-user cannot connect")
          && log.toString(StandardCharsets.UTF_8).contains("bad-token cannot connect")
          && log.toString(StandardCharsets.UTF_8).contains("url-password cannot connect"));
      assertFalse(badToken.isConnected());
      assertFalse(badUser.isConnected());
    } finally {
      System.setErr(originalErr);
    }
    String text = log.toString(StandardCharsets.UTF_8);
    originalErr.print(text);
    for (String secret : List.of("right-t0ken", "wr0ng-t0ken", "hunter2", "sw0rdfish", "pa55word")) {
      assertFalse(text.contains(secret), "a secret reached the log: " + secret);
    }
    assertTrue(text.contains("nats://****@127.0.0.1:"), "URLs are logged with their credentials redacted");
  }

  @Test
  void redactsCredentialsInUrls() {
    assertEquals("[nats://****@host:4222, tls://****@other:4443, nats://plain:4222]",
        NatsConnector.redact("[nats://u:p@host:4222, tls://token@other:4443, nats://plain:4222]"));
  }

  @Test
  void optionsCarryAuthenticationAndReconnectForever() {
    NatsClusterConfig.TlsConfig tls = new NatsClusterConfig.TlsConfig(Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), true);
    NatsClusterConfig cluster = new NatsClusterConfig(List.of("nats://a:4222", "nats://b:4222"),
        Optional.of(new Secret("tok")), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.of(tls));
    io.nats.client.Options options =
        NatsConnector.options("route-x", cluster, (c, e) -> { }, new io.nats.client.ErrorListener() { });

    assertEquals("route-x", options.getConnectionName());
    assertEquals("tok", options.getToken());
    assertEquals(-1, options.getMaxReconnect());
    assertEquals(2, options.getServers().size());
    assertTrue(options.isTlsFirst());
    assertTrue(options.getSslContext() != null, "a tls block turns TLS on");
  }
}
