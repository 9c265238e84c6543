package dev.tracebridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tracebridge.mapping.Template;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  private static final String MINIMAL_ROUTES = """
      routes {
        r { from.kafka { topics = ["in"] }, to.nats { subject = "out" } }
      }
      """;

  @Test
  void everyDefault() throws ConfigException {
    BridgeConfig config = ConfigLoader.parse("""
        bridge.routes {
          k { from.kafka { topics = ["in"] }, to.nats { subject = "out" } }
          j { from.jetstream { stream = "S" }, to.kafka { topic = "out" } }
        }
        """, "defaults.conf");

    assertEquals("bridge", config.serviceName());
    assertEquals(Duration.ofSeconds(25), config.shutdownTimeout());
    assertEquals(new AdminConfig(true, "0.0.0.0", 8080), config.admin());
    assertEquals(new TracingConfig(TracingConfig.Propagation.CONTINUE, TracingConfig.ConsumerParent.PARENT),
        config.tracing());
    assertEquals(Map.of(), config.otelProperties());
    assertEquals(LogConfig.DEFAULT, config.log());
    assertEquals(new KafkaClusterConfig("127.0.0.1:9092", Map.of()), config.kafka());
    assertEquals(NatsClusterConfig.of(List.of("nats://127.0.0.1:4222")), config.nats());

    RouteConfig j = config.routes().get(0);
    assertEquals(new RouteConfig("j", new SourceConfig.JetStream("S", Optional.empty(), "bridge-j"),
        new SinkConfig.Kafka(Template.parse("out"), Optional.empty(), Map.of()),
        new RetryConfig(5, Duration.ofMillis(200), Duration.ofSeconds(30)), Optional.empty(), true,
        config.tracing(), new InFlightConfig(4_000, 64L * 1024 * 1024)), j);

    RouteConfig k = config.routes().get(1);
    assertEquals(new SourceConfig.Kafka(List.of("in"), Optional.empty(), "bridge-k",
        SourceConfig.StartFrom.EARLIEST, Map.of()), k.from());
    assertEquals(new SinkConfig.Nats(Template.parse("out")), k.to());
  }

  @Test
  void everyKeyIsRead() throws ConfigException {
    BridgeConfig config = ConfigLoader.parse("""
        bridge {
          service-name = "svc"
          shutdown-timeout = 10s
          admin { enabled = false, host = "127.0.0.1", port = 0 }
          tracing { propagation = passthrough, consumer-parent = link }
          otel { exporter.otlp.endpoint = "http://c:4318", "service.version" = "1.2" }
          log { format = json, levels { "org.apache.kafka" = WARN, dev.tracebridge = debug, root = info } }
          kafka { bootstrap-servers = "k1:9092,k2:9092", properties { security.protocol = SASL_SSL } }
          nats {
            servers = ["nats://n1:4222", "nats://n2:4222"]
            user = "u", password = "p"
            tls {
              keystore = "/k.p12", keystore-password = "kp"
              truststore = "/t.p12", truststore-password = "tp"
              handshake-first = true
            }
          }
          routes {
            a {
              from.kafka { topic-pattern = "o.*", group-id = "g", start-from = latest, properties { max.poll.records = 10 } }
              to.kafka { topic = "out-{partition}", key = "{key}", properties { acks = all } }
              dead-letter.jetstream { subject = "dlq.{route}" }
              retry { max-attempts = 3, initial-backoff = 1s, max-backoff = 1m }
              provenance-headers = false
              tracing { propagation = continue }
              in-flight { max-messages = 5, max-bytes = 1KiB }
            }
            b {
              from.nats { subject = "in.*", queue-group = "q" }
              to.jetstream { subject = "js.{subject[1]}" }
              dead-letter.nats { subject = "dlq" }
            }
            c {
              from.jetstream { stream = "S", subject = "s.>", durable = "d" }
              to.nats { subject = "{header:x}" }
              dead-letter.kafka { topic = "dlq" }
            }
          }
        }
        """, "all.conf");

    TracingConfig bridgeTracing = new TracingConfig(TracingConfig.Propagation.PASSTHROUGH,
        TracingConfig.ConsumerParent.LINK);
    RouteConfig a = new RouteConfig("a",
        new SourceConfig.Kafka(List.of(), Optional.of("o.*"), "g", SourceConfig.StartFrom.LATEST,
            Map.of("max.poll.records", "10")),
        new SinkConfig.Kafka(Template.parse("out-{partition}"), Optional.of(Template.parse("{key}")),
            Map.of("acks", "all")),
        new RetryConfig(3, Duration.ofSeconds(1), Duration.ofMinutes(1)),
        Optional.of(new SinkConfig.JetStream(Template.parse("dlq.{route}"))), false,
        new TracingConfig(TracingConfig.Propagation.CONTINUE, TracingConfig.ConsumerParent.LINK),
        new InFlightConfig(5, 1024));
    RouteConfig b = new RouteConfig("b", new SourceConfig.Nats("in.*", Optional.of("q")),
        new SinkConfig.JetStream(Template.parse("js.{subject[1]}")), RetryConfig.DEFAULT,
        Optional.of(new SinkConfig.Nats(Template.parse("dlq"))), true, bridgeTracing, InFlightConfig.DEFAULT);
    RouteConfig c = new RouteConfig("c", new SourceConfig.JetStream("S", Optional.of("s.>"), "d"),
        new SinkConfig.Nats(Template.parse("{header:x}")), RetryConfig.DEFAULT,
        Optional.of(new SinkConfig.Kafka(Template.parse("dlq"), Optional.empty(), Map.of())), true,
        bridgeTracing, InFlightConfig.DEFAULT);
    BridgeConfig expected = new BridgeConfig("svc", Duration.ofSeconds(10), new AdminConfig(false, "127.0.0.1", 0),
        bridgeTracing,
        new KafkaClusterConfig("k1:9092,k2:9092", Map.of("security.protocol", "SASL_SSL")),
        new NatsClusterConfig(List.of("nats://n1:4222", "nats://n2:4222"), Optional.empty(), Optional.of("u"),
            Optional.of(new Secret("p")), Optional.empty(), Optional.empty(),
            Optional.of(new NatsClusterConfig.TlsConfig(Optional.of(Path.of("/k.p12")),
                Optional.of(new Secret("kp")), Optional.of(Path.of("/t.p12")), Optional.of(new Secret("tp")), true))),
        Map.of("otel.exporter.otlp.endpoint", "http://c:4318", "otel.service.version", "1.2"),
        List.of(a, b, c),
        new LogConfig(Optional.of(LogConfig.Format.JSON),
            Map.of("org.apache.kafka", "WARN", "dev.tracebridge", "DEBUG", "root", "INFO")));
    assertEquals(expected, config);
  }

  @Test
  void eachNatsAuthenticationMethodAlone() throws ConfigException {
    assertEquals(Optional.of(new Secret("tok")), nats("token = \"tok\"").token());
    assertEquals(Optional.of(Path.of("/b.creds")), nats("credentials-file = \"/b.creds\"").credentialsFile());
    assertEquals(Optional.of(Path.of("/b.nk")), nats("nkey-file = \"/b.nk\"").nkeyFile());
    assertEquals(List.of("nats://a:4222", "nats://b:4222"),
        nats("servers = \"nats://a:4222, nats://b:4222\"").servers());
  }

  private static NatsClusterConfig nats(String keys) throws ConfigException {
    return ConfigLoader.parse("bridge { nats { " + keys + " }\n" + MINIMAL_ROUTES + "}", "nats.conf").nats();
  }

  @Test
  void propertiesQuotedOrAsPathMeanTheSameProperty() throws ConfigException {
    BridgeConfig config = ConfigLoader.parse("""
        bridge {
          kafka.properties {
            "sasl.mechanism" = PLAIN
            security.protocol = SASL_SSL
            "ssl.endpoint.identification.algorithm" = ""
            retries = 3
            enable.idempotence = true
            linger.ms = 5
          }
          otel { "exporter.otlp.protocol" = "http/protobuf", traces.sampler = always_on }
        """ + MINIMAL_ROUTES + "}", "props.conf");

    assertEquals(Map.of("sasl.mechanism", "PLAIN", "security.protocol", "SASL_SSL",
        "ssl.endpoint.identification.algorithm", "", "retries", "3", "enable.idempotence", "true",
        "linger.ms", "5"), config.kafka().properties());
    assertEquals(Map.of("otel.exporter.otlp.protocol", "http/protobuf", "otel.traces.sampler", "always_on"),
        config.otelProperties());
  }

  @Test
  void aPropertyGivenInBothSpellingsIsAProblem() {
    assertProblems("""
        bridge {
          kafka.properties {
            "sasl.mechanism" = PLAIN
            sasl.mechanism = PLAIN
          }
        """ + MINIMAL_ROUTES + "}",
        "twice.conf:3: bridge.kafka.properties.sasl.mechanism: property 'sasl.mechanism' is set twice (quoted and as a path)");
  }

  @Test
  void substitutionsComeFromTheFileOrTheEnvironment() throws ConfigException {
    String hocon = """
        bridge {
          kafka.bootstrap-servers = "127.0.0.1:9092"
          kafka.bootstrap-servers = ${?BRIDGE_TEST_KAFKA_SERVERS}
          admin.port = ${?BRIDGE_TEST_ADMIN_PORT}
          service-name = "relay"
          nats.user = ${bridge.service-name}
          nats.password = ${?BRIDGE_TEST_NATS_PASSWORD}
        """ + MINIMAL_ROUTES + "}";
    // Variables stand in for the environment (which wins over them), so no real variable is needed.
    BridgeConfig set = ConfigLoader.parse(hocon, "env.conf", Map.of("BRIDGE_TEST_KAFKA_SERVERS", "k:9",
        "BRIDGE_TEST_ADMIN_PORT", "9090", "BRIDGE_TEST_NATS_PASSWORD", "pw"));
    assertEquals("k:9", set.kafka().bootstrapServers());
    assertEquals(9090, set.admin().port(), "a substituted string becomes a number");
    assertEquals(Optional.of("relay"), set.nats().user());
    assertEquals(Optional.of(new Secret("pw")), set.nats().password());

    ConfigException badValue = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse(hocon, "env.conf", Map.of("BRIDGE_TEST_ADMIN_PORT", "eighty")));
    assertEquals("env.conf:4: bridge.admin.port: expected a whole number, found a string",
        badValue.problems().get(0).toString(), "a substituted value is reported at the line of its key");

    ConfigException unset = assertThrows(ConfigException.class, () -> ConfigLoader.parse(hocon, "env.conf"));
    assertEquals(List.of("env.conf:6: bridge.nats.user: needs password or password-file"),
        unset.problems().stream().map(ConfigProblem::toString).toList(),
        "an optional substitution that is not set leaves the key unset, so the defaults stay");
  }

  @Test
  void keysBesideBridgeAreUnknown() {
    assertProblems("bridge {\n" + MINIMAL_ROUTES + "}\nbrigde.admin.port = 1\n",
        "root.conf:6: brigde: unknown key 'brigde' (did you mean 'bridge'?); known keys: bridge");
  }

  @Test
  void unresolvedSubstitutionsAreAllReportedWithTheirLines() {
    assertProblems("""
        bridge {
          kafka.bootstrap-servers = ${BRIDGE_TEST_NOT_SET}
          nats.token = "prefix-"${BRIDGE_TEST_ALSO_NOT_SET}
        """ + MINIMAL_ROUTES + "}",
        "subst.conf:2: bridge.kafka.bootstrap-servers: could not resolve substitution ${BRIDGE_TEST_NOT_SET}"
            + " (neither set in the file nor in the environment; ${?NAME} makes it optional)",
        "subst.conf:3: bridge.nats.token: could not resolve substitution ${BRIDGE_TEST_ALSO_NOT_SET}"
            + " (neither set in the file nor in the environment; ${?NAME} makes it optional)");
  }

  @Test
  void includeMergesAnotherFileAndProblemsNameIt(@TempDir Path dir) throws IOException, ConfigException {
    Files.writeString(dir.resolve("clusters.conf"), """
        bridge.kafka.bootstrap-servers = "shared:9092"
        bridge.nats.servers = ["nats://shared:4222"]
        """);
    Path main = Files.writeString(dir.resolve("main.conf"), "include \"clusters.conf\"\nbridge {\n" + MINIMAL_ROUTES + "}\n");
    BridgeConfig config = ConfigLoader.load(main);
    assertEquals("shared:9092", config.kafka().bootstrapServers());
    assertEquals(List.of("nats://shared:4222"), config.nats().servers());

    Files.writeString(dir.resolve("clusters.conf"), "\nbridge.kafka.bootstrap-servrs = \"shared:9092\"\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));
    assertEquals(List.of(dir.resolve("clusters.conf") + ":2: bridge.kafka.bootstrap-servrs: unknown key"
        + " 'bootstrap-servrs' (did you mean 'bootstrap-servers'?); known keys: bootstrap-servers, properties"),
        e.problems().stream().map(ConfigProblem::toString).toList());
  }

  @Test
  void aMissingFileIsAProblem(@TempDir Path dir) {
    Path missing = dir.resolve("nope.conf");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));
    assertEquals(List.of(missing + ":1: cannot read the file"),
        e.problems().stream().map(ConfigProblem::toString).toList());
  }

  @Test
  void aSyntaxErrorHasItsLine() {
    assertProblems("bridge {\n  admin {\n    port = 80 : 1\n  }\n}\n",
        "syntax.conf:3: Expecting close brace } or a comma, got ':' (if you intended ':' to be part of a key or"
            + " string value, try enclosing the key or value in double quotes, or you may be able to rename the"
            + " file .properties rather than .conf)");
  }

  @Test
  void everyMistakeOfAFileIsReportedAtOnce() {
    assertProblems("""
        bridge {
          admin { port = 70000 }
          tracing { propagation = forward }
          kafka {
            bootstrap-servers = "127.0.0.1:9092"
            properties { "sasl.jaas.config" = [ "Zebra-S3cret-42", { a = 1 } ] }
          }
          nats {
            token = "t0"
            user = "bridge"
          }
          routes {
            "bad.name" {
              from.kafka { topcis = ["orders"] }
              to.nats { subject = "orders.{key}.*" }
            }
            events {
              from.jetstream { stream = "EVENTS", subject = "events.>" }
              to.kafka { topic = "events.{topic}", key = "{subject[1]" }
              retry { max-attempts = 0, initial-backoff = 1s, max-backoff = 100ms }
              in-flight { max-bytes = lots }
              dead-letter { kafka { topic = "dlq" }, nats { subject = "dlq" } }
            }
            empty {
              to.jetstream { }
            }
          }
          colour = blue
        }
        """,
        "many.conf:2: bridge.admin.port: must be between 0 and 65535, found 70000",
        "many.conf:3: bridge.tracing.propagation: expected one of continue, passthrough, found 'forward'",
        "many.conf:6: bridge.kafka.properties.sasl.jaas.config: a property list may hold strings, numbers and booleans only",
        "many.conf:8: bridge.nats: found both token and user; use one authentication method",
        "many.conf:10: bridge.nats.user: needs password or password-file",
        "many.conf:13: bridge.routes.bad.name: route name 'bad.name' must not contain '.', '*', '>', '/', '\\',"
            + " whitespace or control characters",
        "many.conf:14: bridge.routes.bad.name.from.kafka: needs topics (a list) or topic-pattern (a regular expression)",
        "many.conf:14: bridge.routes.bad.name.from.kafka.topcis: unknown key 'topcis' (did you mean 'topics'?);"
            + " known keys: topics, topic-pattern, group-id, start-from, properties",
        "many.conf:15: bridge.routes.bad.name.to.nats.subject: subject 'orders.{key}.*' has a wildcard;"
            + " a published subject cannot have one",
        "many.conf:19: bridge.routes.events.to.kafka.key: unclosed '{' at position 0 in template '{subject[1]'",
        "many.conf:19: bridge.routes.events.to.kafka.topic: {topic} in 'events.{topic}' needs a Kafka source;"
            + " this route reads from jetstream",
        "many.conf:20: bridge.routes.events.retry.max-attempts: must be between 1 and 2147483647, found 0",
        "many.conf:20: bridge.routes.events.retry.max-backoff: must be at least initial-backoff",
        "many.conf:21: bridge.routes.events.in-flight.max-bytes: expected a size such as 64MiB or 1048576, found a string",
        "many.conf:22: bridge.routes.events.dead-letter: found both kafka and nats; use one of kafka, nats or jetstream",
        "many.conf:24: bridge.routes.empty.from: missing (required)",
        "many.conf:25: bridge.routes.empty.to.jetstream.subject: missing (required)",
        "many.conf:28: bridge.colour: unknown key 'colour'; known keys: service-name, shutdown-timeout, admin, tracing,"
            + " log, otel, kafka, nats, routes");
  }

  @Test
  void wrongTypesAreProblems() {
    assertProblems("""
        bridge {
          service-name = ["a"]
          shutdown-timeout = soon
          admin { enabled = maybe, port = 1.5 }
          nats.servers = { a = 1 }
          routes {
            r {
              from.kafka { topics = "orders" }
              to.nats = "out"
              retry.initial-backoff = soon
              provenance-headers = 3
            }
          }
        }
        """,
        "types.conf:2: bridge.service-name: expected a string, found a list",
        "types.conf:3: bridge.shutdown-timeout: expected a duration such as 200ms, 30s or 5m, found a string",
        "types.conf:4: bridge.admin.enabled: expected a boolean (true or false), found a string",
        "types.conf:4: bridge.admin.port: expected a whole number, found a fraction",
        "types.conf:5: bridge.nats.servers: expected a list of strings, found an object",
        "types.conf:8: bridge.routes.r.from.kafka.topics: expected a list of strings, found a string",
        "types.conf:9: bridge.routes.r.to.nats: expected an object, found a string",
        "types.conf:10: bridge.routes.r.retry.initial-backoff: expected a duration such as 200ms, 30s or 5m, found a string",
        "types.conf:11: bridge.routes.r.provenance-headers: expected a boolean (true or false), found a number");
  }

  @Test
  void logFormatAndLevelsAreChecked() {
    assertProblems("bridge {\n  log {\n    format = xml\n    levels { \"org.apache.kafka\" = LOUD }\n"
            + "    level = WARN\n  }\n" + MINIMAL_ROUTES + "}",
        "log.conf:3: bridge.log.format: expected one of text, json, found 'xml'",
        "log.conf:4: bridge.log.levels: logger 'org.apache.kafka': expected one of TRACE, DEBUG, INFO, WARN, ERROR, OFF,"
            + " found 'LOUD'",
        "log.conf:5: bridge.log.level: unknown key 'level' (did you mean 'levels'?); known keys: format, levels");
  }

  @Test
  void theShutdownTimeoutMustBePositive() {
    assertProblems("bridge {\n  shutdown-timeout = 0s\n" + MINIMAL_ROUTES + "}",
        "shutdown.conf:2: bridge.shutdown-timeout: must be greater than 0");
    assertProblems("bridge {\n  shutdown-timeout = -5s\n" + MINIMAL_ROUTES + "}",
        "shutdown.conf:2: bridge.shutdown-timeout: must be greater than 0");
  }

  @Test
  void natsServerUrlsAreCheckedAsTheClientParsesThem() throws ConfigException {
    List<String> accepted = List.of("host", "1.2.3.4:4222", "u:p@host:4222", "tls://h:4443", "nats://[::1]:4222",
        "ws://h", "opentls://h");
    assertEquals(accepted, nats("servers = [" + String.join(", ", accepted.stream().map(u -> '"' + u + '"').toList())
        + "]").servers());
    assertProblems("""
        bridge {
          nats.servers = [
            "nats://u:S3cret@host:bad",
            "nats://us er:S3cret@host",
            "ftp://tok3nS3cret@host:4222",
            "nats://u:S3cret/x@host"
          ]
        """ + MINIMAL_ROUTES + "}",
        "urls.conf:2: bridge.nats.servers: 'ftp://****@host:4222' is not a NATS server URL the client can parse:"
            + " Unsupported NATS URI scheme.",
        "urls.conf:2: bridge.nats.servers: 'nats://****@host' is not a NATS server URL the client can parse:"
            + " Illegal character in authority",
        "urls.conf:2: bridge.nats.servers: 'nats://****@host' is not a NATS server URL the client can parse:"
            + " Unable to parse URI string.",
        "urls.conf:2: bridge.nats.servers: 'nats://****@host:bad' is not a NATS server URL the client can parse:"
            + " Unable to parse URI string.");
  }

  @Test
  void placeholdersMustFitTheSource() {
    assertProblems("""
        bridge.routes {
          from-kafka {
            from.kafka { topics = ["in"] }
            to.nats { subject = "out.{subject[2]}.{key}" }
          }
          from-nats {
            from.nats { subject = "in.>" }
            to.kafka { topic = "out-{partition}", key = "{offset}" }
            dead-letter.jetstream { subject = "dlq.{topic}.{route}.{header:h}" }
          }
        }
        """,
        "fit.conf:4: bridge.routes.from-kafka.to.nats.subject: {subject} and {subject[N]} in 'out.{subject[2]}.{key}'"
            + " need a NATS or JetStream source; this route reads from kafka",
        "fit.conf:8: bridge.routes.from-nats.to.kafka.key: {offset} in '{offset}' needs a Kafka source;"
            + " this route reads from nats",
        "fit.conf:8: bridge.routes.from-nats.to.kafka.topic: {partition} in 'out-{partition}' needs a Kafka source;"
            + " this route reads from nats",
        "fit.conf:9: bridge.routes.from-nats.dead-letter.jetstream.subject: {topic} in 'dlq.{topic}.{route}.{header:h}'"
            + " needs a Kafka source; this route reads from nats");
  }

  @Test
  void namesTopicsAndSubjectsAreChecked() {
    assertProblems("""
        bridge.routes {
          r {
            from.kafka { topics = ["ok", "not ok"], topic-pattern = "(" }
            to.kafka { topic = ".." }
          }
          s {
            from.jetstream { stream = "A.B", subject = "a.>.b", durable = "d*" }
            to.nats { subject = "a..{key}" }
          }
          t {
            from.nats { subject = "a b", queue-group = "q q" }
            to.jetstream { subject = "x.{key}" }
          }
          u {
            from.nats { subject = "in" }
            to.kafka { topic = "t/{key}" }
          }
        }
        """,
        "names.conf:3: bridge.routes.r.from.kafka: found both topics and topic-pattern; use one",
        "names.conf:3: bridge.routes.r.from.kafka.topic-pattern: is not a valid regular expression:"
            + " Unclosed group near index 1",
        "names.conf:3: bridge.routes.r.from.kafka.topics: 'not ok' is not a valid Kafka topic name"
            + " (1 to 249 of a-z A-Z 0-9 . _ -, not '.' or '..')",
        "names.conf:4: bridge.routes.r.to.kafka.topic: '..' is not a valid Kafka topic name"
            + " (1 to 249 of a-z A-Z 0-9 . _ -, not '.' or '..')",
        "names.conf:7: bridge.routes.s.from.jetstream.durable: durable name 'd*' must not contain '.', '*', '>',"
            + " '/', '\\', whitespace or control characters",
        "names.conf:7: bridge.routes.s.from.jetstream.stream: stream name 'A.B' must not contain '.', '*', '>',"
            + " '/', '\\', whitespace or control characters",
        "names.conf:7: bridge.routes.s.from.jetstream.subject: '>' must be a whole token and the last one,"
            + " in subject 'a.>.b'",
        "names.conf:8: bridge.routes.s.to.nats.subject: subject 'a..{key}' has an empty token",
        "names.conf:11: bridge.routes.t.from.nats.queue-group: queue group 'q q' must not be empty or contain whitespace",
        "names.conf:11: bridge.routes.t.from.nats.subject: subject 'a b' has whitespace",
        "names.conf:16: bridge.routes.u.to.kafka.topic: template 't/{key}' has characters a Kafka topic name cannot"
            + " hold (a-z A-Z 0-9 . _ - only)");
  }

  @Test
  void noRouteIsAProblem() {
    assertProblems("bridge {\n  routes { }\n}\n", "none.conf:2: bridge.routes: at least one route is required");
    assertProblems("bridge {\n  admin.port = 1\n}\n",
        "none.conf:1: bridge.routes: missing: at least one route is required");
    assertProblems("\n", "none.conf:1: bridge: missing (required)");
  }

  @Test
  void aSecretIsNeverInAProblem() {
    String secret = "Zebra-S3cret-42";
    List<String> brokenFiles = List.of(
        "bridge { kafka.properties { \"sasl.jaas.config\" = [\"" + secret + "\", [1]] } }",
        "bridge { kafka.properties { \"sasl.jaas.config\" = \"" + secret + "\"${BRIDGE_TEST_NOT_SET} } }",
        "bridge { otel.exporter.otlp.headers = null, kafka.properties { ssl.key.password = [{ p = \"" + secret + "\" }] } }",
        "bridge { nats { user = u, password = [\"" + secret + "\"], token = { t = \"" + secret + "\" } } }",
        "bridge { nats { tls { keystore-password = [\"" + secret + "\"] } } }",
        "bridge { admin.port = \"" + secret + "\" }",
        "bridge { nats { token = \"x\" " + secret + " : 1 } }",
        "bridge { nats { \"token\" " + secret + " } }",
        "bridge { nats.servers = [\"nats://user:" + secret + "@host:x\"] }",
        "bridge { nats.servers = \"nats://u:" + secret + " @host, tls://" + secret + "@h:x\" }");
    for (String file : brokenFiles) {
      ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(file, "secret.conf"));
      assertFalse(e.problems().isEmpty());
      for (ConfigProblem problem : e.problems()) {
        assertFalse(problem.toString().contains("S3cret"), "secret shown in: " + problem);
      }
      assertFalse(e.getMessage().contains("S3cret"), "secret shown in: " + e.getMessage());
    }
  }

  private static void assertProblems(String hocon, String... expected) {
    String origin = expected[0].substring(0, expected[0].indexOf(':'));
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(hocon, origin));
    assertEquals(List.of(expected), e.problems().stream().map(ConfigProblem::toString).toList());
  }
}
