package dev.tracebridge.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.route.RouteDescriptions;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.testkit.TestPki;
import dev.tracebridge.tracing.Telemetry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge against nats-servers that require TLS with a client certificate, a token, a user and
 * password, or an nkey: one server per mode for the class, certificates made by {@code keytool}, the
 * nkey by jnats. Secrets reach the bridge through files ({@code token-file}, {@code password-file},
 * {@code nkey-file}, {@code truststore-password-file}, {@code keystore-password-file}), as a mounted
 * Kubernetes Secret gives them. Each test relays a core NATS message from one subject to another, then
 * looks for the secret in everything the bridge showed: the log, {@code validate}'s route lines, the
 * configuration's text, {@code /routes}, {@code /metrics} and the spans.
 */
@Timeout(120)
class SecuredNatsTest {

  private static final String TOKEN = "token-" + UUID.randomUUID();
  private static final String USER = "bridge";
  private static final String PASSWORD = "password-" + UUID.randomUUID();

  @TempDir
  static Path dir;
  private static CapturedOutput output;
  private static TestPki pki;
  private static NKey nkey;
  private static final List<NatsServers> SERVERS = new ArrayList<>();
  private static NatsServers tlsServer;
  private static NatsServers tokenServer;
  private static NatsServers userServer;
  private static NatsServers nkeyServer;

  @BeforeAll
  static void servers() throws Exception {
    output = CapturedOutput.start();
    pki = TestPki.create(dir.resolve("pki"));
    nkey = NKey.createUser(new SecureRandom());
    tlsServer = server(List.of("--tlsverify", "--tlscert", pki.serverCertPem().toString(),
        "--tlskey", pki.serverKeyPem().toString(), "--tlscacert", pki.caPem().toString()), List.of());
    tokenServer = server(List.of("--auth", TOKEN), List.of());
    userServer = server(List.of("--user", USER, "--pass", PASSWORD), List.of());
    nkeyServer = server(List.of(), List.of(
        "authorization { users = [ { nkey: \"" + new String(nkey.getPublicKey()) + "\" } ] }"));
  }

  private static NatsServers server(List<String> args, List<String> configLines) {
    NatsServers server = NatsServers.start(NatsServers.freePort(), args, configLines);
    SERVERS.add(server);
    return server;
  }

  @AfterAll
  static void stopServers() {
    try {
      SERVERS.forEach(NatsServers::close);
    } finally {
      output.close();
    }
  }

  private static Path secretFile(String name, String content) throws Exception {
    // as `echo` writes it: the bridge removes the line break
    return Files.writeString(dir.resolve(name + "-" + UUID.randomUUID()), content + "\n");
  }

  @Test
  void tlsWithAClientCertificate() throws Exception {
    Path storePassword = secretFile("store-password", pki.password());
    String nats = """
        servers = ["%s"]
        tls {
          truststore = "%s", truststore-password-file = "%s"
          keystore = "%s", keystore-password-file = "%s"
        }
        """.formatted(tlsServer.url().replace("nats://127.0.0.1", "tls://localhost"), pki.truststore(), storePassword,
        pki.clientKeystore(), storePassword);
    relay(nats, b -> b.server(tlsServer.url()).keystorePath(pki.clientKeystore().toString())
        .keystorePassword(pki.password().toCharArray()).truststorePath(pki.truststore().toString())
        .truststorePassword(pki.password().toCharArray()), pki.password());
  }

  @Test
  void token() throws Exception {
    String nats = "servers = [\"%s\"], token-file = \"%s\"".formatted(tokenServer.url(), secretFile("token", TOKEN));
    relay(nats, b -> b.server(tokenServer.url()).token(TOKEN.toCharArray()), TOKEN);
  }

  @Test
  void userAndPassword() throws Exception {
    String nats = "servers = [\"%s\"], user = %s, password-file = \"%s\""
        .formatted(userServer.url(), USER, secretFile("password", PASSWORD));
    relay(nats, b -> b.server(userServer.url()).userInfo(USER.toCharArray(), PASSWORD.toCharArray()), PASSWORD);
  }

  @Test
  void nkeySeedFile() throws Exception {
    String seed = new String(nkey.getSeed());
    Path seedFile = secretFile("user.nk", seed);
    String nats = "servers = [\"%s\"], nkey-file = \"%s\"".formatted(nkeyServer.url(), seedFile);
    relay(nats, b -> b.server(nkeyServer.url()).authHandler(Nats.credentials(null, seedFile.toString())), seed);
  }

  /**
   * Runs a bridge with {@code bridge.nats} set to {@code nats} and a route from one subject to another,
   * relays a message through it with a test client set up by {@code client}, and checks that
   * {@code secret} appears nowhere the bridge shows anything.
   */
  private void relay(String nats, Consumer<Options.Builder> client, String secret) throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    Path file = dir.resolve("nats-" + id + ".conf");
    Files.writeString(file, """
        bridge {
          admin.port = 0
          nats { %s }
          routes { secured { from.nats { subject = "in.%s" }, to.nats { subject = "out.%s" } } }
        }
        """.formatted(nats, id, id));
    BridgeConfig config = ConfigLoader.load(file);
    List<String> shown = new ArrayList<>();
    shown.add(config.toString());
    config.routes().forEach(r -> shown.add(RouteDescriptions.source(r.from()) + " -> " + RouteDescriptions.sink(r.to())));

    Options.Builder options = Options.builder().connectionTimeout(Duration.ofSeconds(10));
    client.accept(options);
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Connection test = Nats.connect(options.build()); Telemetry telemetry = Telemetry.forTesting(spans)) {
      Subscription out = test.subscribe("out." + id);
      test.flush(Duration.ofSeconds(5));
      Bridge bridge = Bridge.start(config, telemetry);
      try {
        await().atMost(Duration.ofSeconds(30)).until(bridge::isReady);
        byte[] payload = ("secured " + id).getBytes(UTF_8);
        test.publish("in." + id, payload);
        Message relayed = out.nextMessage(Duration.ofSeconds(20));
        assertNotNull(relayed, "relayed through the secured server");
        assertArrayEquals(payload, relayed.getData());

        int port = bridge.adminPort().orElseThrow();
        shown.add(TestClients.adminGet(port, "/routes"));
        shown.add(TestClients.adminGet(port, "/metrics"));
        await().atMost(Duration.ofSeconds(20)).until(() -> spans.getFinishedSpanItems().size() >= 2);
      } finally {
        bridge.close();
      }
    }
    shown.add(spans.getFinishedSpanItems().stream().map(Object::toString).collect(Collectors.joining("\n")));
    shown.add(output.text());
    assertTrue(output.text().contains("route secured"), "the bridge's log was captured");
    CapturedOutput.assertNoSecret(shown, secret);
  }
}
