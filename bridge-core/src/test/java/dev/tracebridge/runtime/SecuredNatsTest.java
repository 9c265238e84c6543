package dev.tracebridge.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.route.RouteDescriptions;
import dev.tracebridge.route.RouteState;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.testkit.TestPki;
import dev.tracebridge.tracing.Telemetry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.nats.client.support.JwtUtils;
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
 * password, an nkey, or a user JWT (operator mode, {@code credentials-file}): one server per mode for
 * the class, certificates made by {@code keytool}, nkeys and JWTs by jnats. Secrets reach the bridge
 * through files ({@code token-file}, {@code password-file}, {@code nkey-file}, {@code credentials-file},
 * {@code truststore-password-file}, {@code keystore-password-file}), as a mounted Kubernetes Secret gives
 * them. Each test relays a core NATS message from one subject to another, then looks for the secret in
 * everything the bridge showed: the log, {@code validate}'s route lines, the configuration's text,
 * {@code /routes}, {@code /metrics} and the spans.
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
  private static NKey account;
  private static NatsServers operatorServer;

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
    operatorServer = operatorModeServer();
  }

  /**
   * A server in operator mode, the way NATS deployments managed with {@code nsc} run: it trusts one
   * operator (its JWT in the configuration) and knows the accounts signed by it, preloaded in a memory
   * resolver. Users are not in the configuration at all: a client proves itself with a user JWT signed
   * by an account plus a signature by the user's seed, which is what a credentials file holds. The keys
   * are made here, for this run only, so that no key is committed.
   *
   * <p>{@link NatsServers} always starts JetStream, and JetStream in operator mode will not start without
   * a system account ("system account not setup"), so there is one beside the bridge's account.
   */
  private static NatsServers operatorModeServer() throws Exception {
    NKey operator = NKey.createOperator(new SecureRandom());
    account = NKey.createAccount(new SecureRandom());
    NKey system = NKey.createAccount(new SecureRandom());
    String operatorJwt = jwt(operator, operator, "bridge-test-operator", "{\"type\":\"operator\",\"version\":2}");
    return server(List.of(), List.of(
        "operator: " + operatorJwt,
        "system_account: " + new String(system.getPublicKey()),
        "resolver: MEMORY",
        "resolver_preload: {",
        "  " + new String(account.getPublicKey()) + ": " + accountJwt(operator, account, "bridge-test-account"),
        "  " + new String(system.getPublicKey()) + ": " + accountJwt(operator, system, "SYS"),
        "}"));
  }

  /**
   * An account JWT without limits. They are spelled out as -1 (none): the server reads a missing limit
   * as 0, and an account without {@code conn} admits no connection. JetStream is left off for the
   * account; these tests use core NATS.
   */
  private static String accountJwt(NKey operator, NKey account, String name) throws Exception {
    return jwt(operator, account, name, """
        {"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"wildcards":true,"conn":-1,\
        "leaf":-1},"default_permissions":{"pub":{},"sub":{}},"type":"account","version":2}""");
  }

  /**
   * A JWT for {@code subject} signed by {@code issuer}, with {@code nats} as its NATS claims.
   * {@link JwtUtils#issueJWT} builds and signs the claims (header, {@code jti} as the hash of the
   * claims, {@code iat}, {@code iss}, {@code sub}, {@code name}) the same way for any kind of JWT; only
   * its {@code issueUserJWT} knows the user claims, so the operator's and account's are written here.
   */
  private static String jwt(NKey issuer, NKey subject, String name, String nats) throws Exception {
    return JwtUtils.issueJWT(issuer, new String(subject.getPublicKey()), name, null,
        JwtUtils.currentTimeSeconds(), new String(issuer.getPublicKey()), () -> nats);
  }

  /** A credentials file as {@code nsc} writes it: a new user's JWT issued by {@code signer}, and its seed. */
  private static Credentials credentials(NKey signer) throws Exception {
    NKey user = NKey.createUser(new SecureRandom());
    String userJwt = JwtUtils.issueUserJWT(signer, new String(signer.getPublicKey()), new String(user.getPublicKey()));
    String seed = new String(user.getSeed());
    Path file = dir.resolve("user-" + UUID.randomUUID() + ".creds");
    Files.writeString(file, JwtUtils.NATS_USER_JWT_FORMAT.formatted(userJwt, seed));
    return new Credentials(file, userJwt, seed);
  }

  private record Credentials(Path file, String jwt, String seed) {}

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

  @Test
  void credentialsFileInOperatorMode() throws Exception {
    Credentials creds = credentials(account);
    String nats = "servers = [\"%s\"], credentials-file = \"%s\"".formatted(operatorServer.url(), creds.file());
    relay(nats, b -> b.server(operatorServer.url()).authHandler(Nats.credentials(creds.file().toString())),
        creds.seed(), creds.jwt());
  }

  /**
   * A well-formed credentials file whose user JWT is signed by an account the server's operator never
   * signed: the server refuses it, the route keeps trying and is not ready, and what the bridge shows
   * about the refusal (the log, the route's last error, {@code /routes}) quotes neither the seed nor the
   * JWT.
   */
  @Test
  void credentialsOfAnotherAccountAreRefused() throws Exception {
    Credentials stranger = credentials(NKey.createAccount(new SecureRandom()));
    String nats = "servers = [\"%s\"], credentials-file = \"%s\"".formatted(operatorServer.url(), stranger.file());
    List<String> shown = new ArrayList<>();
    BridgeConfig config = config(nats, UUID.randomUUID().toString().substring(0, 8), shown);
    try (Telemetry telemetry = Telemetry.forTesting(InMemorySpanExporter.create())) {
      int logStart = output.text().length();
      Bridge bridge = Bridge.start(config, telemetry);
      try {
        // the connector logs the refusal once (then retries quietly with backoff)
        await().atMost(Duration.ofSeconds(20))
            .until(() -> output.text().substring(logStart).contains("cannot connect"));
        String refusal = output.text().substring(logStart);
        assertTrue(refusal.toLowerCase().contains("authorization violation"), refusal);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
            .until(() -> bridge.route("secured").orElseThrow().state() == RouteState.STARTING);
        assertFalse(bridge.isReady(), "a refused user does not make the route ready");
        bridge.route("secured").orElseThrow().lastError().ifPresent(shown::add);
        int port = bridge.adminPort().orElseThrow();
        shown.add(TestClients.adminGet(port, "/routes"));
        shown.add(TestClients.adminGet(port, "/metrics"));
      } finally {
        bridge.close();
      }
    }
    shown.add(output.text());
    CapturedOutput.assertNoSecret(shown, stranger.seed(), stranger.jwt());
  }

  /**
   * The configuration of a bridge with {@code bridge.nats} set to {@code nats} and one route,
   * {@code secured}, from {@code in.<id>} to {@code out.<id>}; adds to {@code shown} what
   * {@code validate} would print of it.
   */
  private static BridgeConfig config(String nats, String id, List<String> shown) throws Exception {
    Path file = dir.resolve("nats-" + id + ".conf");
    Files.writeString(file, """
        bridge {
          admin.port = 0
          nats { %s }
          routes { secured { from.nats { subject = "in.%s" }, to.nats { subject = "out.%s" } } }
        }
        """.formatted(nats, id, id));
    BridgeConfig config = ConfigLoader.load(file);
    shown.add(config.toString());
    config.routes().forEach(r -> shown.add(RouteDescriptions.source(r.from()) + " -> " + RouteDescriptions.sink(r.to())));
    return config;
  }

  /**
   * Runs a bridge with {@code bridge.nats} set to {@code nats} and a route from one subject to another,
   * relays a message through it with a test client set up by {@code client}, and checks that none of
   * {@code secrets} appears anywhere the bridge shows anything.
   */
  private void relay(String nats, Consumer<Options.Builder> client, String... secrets) throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    List<String> shown = new ArrayList<>();
    BridgeConfig config = config(nats, id, shown);

    Options.Builder options = Options.builder().connectionTimeout(Duration.ofSeconds(10));
    client.accept(options);
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    // a loaded machine may take a moment before the TLS server answers the test's own client
    Connection test = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> Nats.connect(options.build()), java.util.Objects::nonNull);
    try (test; Telemetry telemetry = Telemetry.forTesting(spans)) {
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
    CapturedOutput.assertNoSecret(shown, secrets);
  }
}
