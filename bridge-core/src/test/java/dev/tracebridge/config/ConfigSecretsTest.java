package dev.tracebridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets of {@code bridge.nats} from files ({@code token-file}, {@code password-file},
 * {@code keystore-password-file}, {@code truststore-password-file}) and from the environment
 * ({@code ${?VAR}}), and that a problem with either never shows the secret.
 */
@Timeout(30)
class ConfigSecretsTest {

  private static final String ROUTES = "routes { r { from.kafka { topics = [\"in\"] }, to.nats { subject = \"out\" } } }";

  @TempDir
  Path dir;

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  /** The file read back through {@link ConfigLoader#load}, as {@code run} and {@code validate} read it. */
  private BridgeConfig load(String nats) throws IOException, ConfigException {
    return ConfigLoader.load(write("bridge.conf", "bridge {\n  nats {\n" + nats + "\n  }\n  " + ROUTES + "\n}\n"));
  }

  private List<String> problems(String nats) throws IOException {
    Path file = write("bridge.conf", "bridge {\n  nats {\n" + nats + "\n  }\n  " + ROUTES + "\n}\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
    return e.problems().stream().map(ConfigProblem::toString).toList();
  }

  private static String quoted(Path path) {
    return "\"" + path + "\"";
  }

  @Test
  void tokenAndPasswordComeFromFilesWithoutTheirTrailingLineBreak() throws Exception {
    Path token = write("token", "t0ken-from-file\n");
    Path password = write("password", " pass word \r\n");

    assertEquals(Optional.of(new Secret("t0ken-from-file")), load("token-file = " + quoted(token)).nats().token());
    NatsClusterConfig user = load("user = bob\npassword-file = " + quoted(password)).nats();
    assertEquals(Optional.of("bob"), user.user());
    assertEquals(Optional.of(new Secret(" pass word ")), user.password(), "spaces belong to the secret");
  }

  @Test
  void storePasswordsComeFromFiles() throws Exception {
    Path keystorePassword = write("ks-pass", "ks-secret\n");
    Path truststorePassword = write("ts-pass", "ts-secret");
    NatsClusterConfig.TlsConfig tls = load("""
        tls {
          keystore = "/k.p12", keystore-password-file = %s
          truststore = "/t.p12", truststore-password-file = %s
        }""".formatted(quoted(keystorePassword), quoted(truststorePassword))).nats().tls().orElseThrow();

    assertEquals(Optional.of(new Secret("ks-secret")), tls.keystorePassword());
    assertEquals(Optional.of(new Secret("ts-secret")), tls.truststorePassword());
  }

  @Test
  void aMissingOrEmptySecretFileIsAProblemOfItsKeyAtItsLine() throws Exception {
    Path missing = dir.resolve("no-such-token");
    Path empty = write("empty", "\n");
    Path file = dir.resolve("bridge.conf");

    assertEquals(List.of(file + ":4: bridge.nats.token-file: cannot read '" + missing + "': no such file"),
        problems("\n    token-file = " + quoted(missing)));
    assertEquals(List.of(file + ":5: bridge.nats.password-file: '" + empty + "' is empty"),
        problems("    user = bob\n\n    password-file = " + quoted(empty)));
    assertEquals(List.of(file + ":4: bridge.nats.tls.keystore-password-file: cannot read '" + dir + "': it is a directory"),
        problems("    tls.keystore = \"/k.p12\"\n    tls.keystore-password-file = " + quoted(dir)));
  }

  @Test
  void anUnreadableSecretFileIsAProblem() throws Exception {
    Path token = write("locked", "locked-S3cret");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("---------"));
    assumeFalse(Files.isReadable(token), "root reads any file");

    assertEquals(List.of(dir.resolve("bridge.conf") + ":3: bridge.nats.token-file: cannot read '" + token
        + "': permission denied"), problems("    token-file = " + quoted(token)));
  }

  @Test
  void aSecretAndItsFileExcludeEachOtherAndCountAsOneMethod() throws Exception {
    Path token = write("token", "t");
    Path password = write("password", "p");
    Path file = dir.resolve("bridge.conf");

    assertEquals(List.of(file + ":4: bridge.nats.token-file: set token or token-file, not both"),
        problems("    token = \"t\"\n    token-file = " + quoted(token)));
    assertEquals(List.of(file + ":2: bridge.nats: found both token-file and user; use one authentication method"),
        problems("    token-file = " + quoted(token) + "\n    user = bob, password = p"));
    assertEquals(List.of(file + ":3: bridge.nats.password-file: needs user"),
        problems("    password-file = " + quoted(password)));
    assertEquals(List.of(file + ":3: bridge.nats.tls.truststore-password-file: needs truststore"),
        problems("    tls { truststore-password-file = " + quoted(password) + " }"));
  }

  @Test
  void aSecretFileIsNeverShownInAProblem() throws Exception {
    String secret = "Zebra-S3cret-44";
    Path notUtf8 = dir.resolve("binary");
    Files.write(notUtf8, (secret + "\u00ff").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    Path token = write("token", secret);

    for (String nats : List.of(
        "    token-file = " + quoted(notUtf8),
        "    token-file = " + quoted(token) + "\n    user = u, password-file = " + quoted(token),
        "    token = \"x\", token-file = " + quoted(token),
        "    password-file = " + quoted(token))) {
      List<String> problems = problems(nats);
      assertFalse(problems.isEmpty());
      problems.forEach(p -> assertFalse(p.contains("S3cret"), "secret shown in: " + p));
    }
  }

  @Test
  void secretsComeFromTheEnvironment() throws Exception {
    String hocon = """
        bridge {
          nats {
            user = bob, password = ${?BRIDGE_TEST_NATS_PASSWORD}
            tls { truststore = "/t.p12", truststore-password = ${?BRIDGE_TEST_TS_PASSWORD} }
          }
          kafka.properties { sasl.jaas.config = ${?BRIDGE_TEST_JAAS} }
          %s
        }
        """.formatted(ROUTES);
    // The variables stand in for the environment: HOCON asks the environment first, then them.
    BridgeConfig config = ConfigLoader.parse(hocon, "env.conf", Map.of("BRIDGE_TEST_NATS_PASSWORD", "env-pw",
        "BRIDGE_TEST_TS_PASSWORD", "env-ts", "BRIDGE_TEST_JAAS", "jaas-line"));
    assertEquals(Optional.of(new Secret("env-pw")), config.nats().password());
    assertEquals(Optional.of(new Secret("env-ts")), config.nats().tls().orElseThrow().truststorePassword());
    assertEquals("jaas-line", config.kafka().properties().get("sasl.jaas.config"));

    List<String> unset = assertThrows(ConfigException.class, () -> ConfigLoader.parse(hocon, "env.conf"))
        .problems().stream().map(ConfigProblem::toString).toList();
    assertEquals(List.of("env.conf:3: bridge.nats.user: needs password or password-file"), unset,
        "an unset ${?VAR} leaves its key unset");
  }

  @Test
  void aRealEnvironmentVariableIsASecretToo() throws Exception {
    // PATH is set in every environment the tests run in; it stands for a secret passed as a variable.
    String path = System.getenv("PATH");
    assumeFalse(path == null || path.isEmpty());
    BridgeConfig config = ConfigLoader.load(write("env.conf",
        "bridge {\n  nats.token = ${?PATH}\n  " + ROUTES + "\n}\n"));
    assertEquals(Optional.of(new Secret(path)), config.nats().token());
    assertFalse(config.nats().toString().contains(path), "a Secret never prints its value");
  }
}
