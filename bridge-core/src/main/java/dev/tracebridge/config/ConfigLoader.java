package dev.tracebridge.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigResolver;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the bridge's HOCON configuration file into a checked, immutable {@link BridgeConfig}, without
 * touching any broker. Every mistake of the file is reported at once, each as
 * {@code FILE:LINE: path.to.key: message}; unknown keys, wrong types and missing required keys are
 * mistakes, never ignored. Environment substitution ({@code ${?KAFKA_BOOTSTRAP_SERVERS}}) and
 * {@code include} work as HOCON defines them. Messages never show a property value or a secret.
 *
 * <h2>Keys and defaults</h2>
 * <pre>
 * bridge {
 *   service-name = "bridge"             # OpenTelemetry service.name unless OTEL_SERVICE_NAME is set
 *   shutdown-timeout = 25s              # > 0: every route drains at once against this one deadline
 *   admin {
 *     enabled = true                    # false: no admin server
 *     host = "0.0.0.0"
 *     port = 8080                       # 0..65535; 0 picks a free port
 *   }
 *   tracing {
 *     propagation = continue            # continue | passthrough
 *     consumer-parent = parent          # parent | link
 *   }
 *   log {
 *     format = text                     # text | json; --log-format and BRIDGE_LOG_FORMAT win
 *     levels { "org.apache.kafka" = WARN, root = INFO }   # per logger (root: all others);
 *                                       # TRACE, DEBUG, INFO, WARN, ERROR or OFF; BRIDGE_LOG_LEVELS wins
 *   }
 *   otel { }                            # OpenTelemetry SDK defaults, flattened and prefixed with "otel.":
 *                                       # exporter.otlp.endpoint = "http://c:4318" gives otel.exporter.otlp.endpoint;
 *                                       # OTEL_* variables and system properties win over them
 *   kafka {
 *     bootstrap-servers = "127.0.0.1:9092"
 *     properties { }                    # for every Kafka client (security.protocol, sasl.*, ssl.*)
 *   }
 *   nats {
 *     servers = ["nats://127.0.0.1:4222"]   # a list, or one comma-separated string (so ${?NATS_URL} fits);
 *                                       # each as the NATS client parses it (nats, tls, opentls, ws, wss)
 *     token = ...                       # at most one authentication method of: token,
 *     user = ..., password = ...        #   user with password,
 *     credentials-file = ...            #   credentials file (JWT + nkey seed),
 *     nkey-file = ...                   #   nkey seed file
 *     token-file = ...                  # instead of token: a file holding it (a mounted Kubernetes Secret)
 *     password-file = ...               # instead of password: a file holding it
 *     tls {                             # optional; present means TLS with these stores
 *       keystore = ..., keystore-password = ...     # or keystore-password-file
 *       truststore = ..., truststore-password = ... # or truststore-password-file
 *       handshake-first = false         # TLS before the server's INFO line
 *     }
 *   }
 *   routes {                            # at least one; the key is the route's name
 *     &lt;name&gt; {                          # no '.', '*', '>', '/', '\', whitespace (it names the durable and group id)
 *       from.kafka {                    # from: exactly one of kafka, nats, jetstream
 *         topics = ["orders"]           # a list of topics, or instead:
 *         topic-pattern = "orders\\..*" #   a Java regular expression
 *         group-id = "bridge-&lt;name&gt;"
 *         start-from = earliest         # earliest | latest: where a group without committed offsets begins
 *         properties { }                # for the consumer
 *       }
 *       from.nats { subject = "events.&gt;", queue-group = ... }          # subject may have wildcards; queue-group optional
 *       from.jetstream { stream = "EVENTS", subject = ..., durable = "bridge-&lt;name&gt;" }   # subject: optional filter
 *       to.kafka { topic = "...", key = "...", properties { } }       # key optional; properties for the producer
 *       to.nats { subject = "..." }
 *       to.jetstream { subject = "..." }
 *       dead-letter.kafka { ... }       # optional; one endpoint of the same shapes as to
 *       retry {
 *         max-attempts = 5              # >= 1
 *         initial-backoff = 200ms       # > 0
 *         max-backoff = 30s             # >= initial-backoff
 *       }
 *       provenance-headers = true
 *       tracing { propagation = ..., consumer-parent = ... }   # each key defaults to bridge.tracing
 *       in-flight {
 *         max-messages = 4000           # > 0
 *         max-bytes = 64MiB             # > 0
 *       }
 *     }
 *   }
 * }
 * </pre>
 *
 * <h2>Checks</h2>
 * <ul>
 *   <li>{@code properties} (cluster, consumer, producer): {@code "sasl.mechanism" = PLAIN} and
 *       {@code sasl.mechanism = PLAIN} both give the client property {@code sasl.mechanism}; numbers and
 *       booleans become strings, a list a comma-separated string. {@code bootstrap.servers} belongs in
 *       {@code bridge.kafka.bootstrap-servers} and a consumer's {@code group.id} in {@code group-id}.
 *   <li>Templates ({@code topic}, {@code subject}, {@code key}) must parse, and their placeholders must
 *       fit the source: {@code {topic}}, {@code {partition}}, {@code {offset}} need a Kafka source,
 *       {@code {subject}} and {@code {subject[N]}} a NATS or JetStream source; {@code {key}},
 *       {@code {header:NAME}} and {@code {route}} fit any.
 *   <li>A Kafka topic written as it is matches {@code [a-zA-Z0-9._-]{1,249}}; a template's literal parts
 *       may only hold those characters. A subject to publish to has no wildcard, no empty token and no
 *       whitespace; a subject to consume may have wildcards ({@code *} as a token, {@code >} last).
 *   <li>Stream and durable names follow the NATS server's rules, as route names do.
 *   <li>Files named by {@code credentials-file}, {@code nkey-file}, {@code keystore} and
 *       {@code truststore} are not opened: the file may be checked on another machine than the one that
 *       runs the bridge.
 *   <li>Files named by {@code token-file}, {@code password-file}, {@code keystore-password-file} and
 *       {@code truststore-password-file} are read while loading, as {@code ${VAR}} substitutions are
 *       resolved then: they stand for values of the file. Trailing line breaks are removed; a missing,
 *       unreadable or empty file is a problem of its key, and the problem names the file, never its
 *       content. Each is the alternative to the key without {@code -file}; writing both is a problem.
 *   <li>A key set to {@code null} counts as not written, as HOCON's {@code hasPath} has it.
 *   <li>Only {@code bridge} may stand at the top of the file.
 *   <li>A syntax error ends the check (HOCON cannot read past it) and is reported with HOCON's message,
 *       in which quoted text longer than one character is hidden, since it may be a value.
 *   <li>A value taken from a substitution is reported at the line of its key.
 * </ul>
 */
public final class ConfigLoader {

  private static final Pattern QUOTED = Pattern.compile("'([^'\n]*)'");

  private ConfigLoader() {
  }

  /** Reads {@code file}, its includes and its substitutions (from the file, then the environment). */
  public static BridgeConfig load(Path file) throws ConfigException {
    String name = file.toString();
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new ConfigException(List.of(new ConfigProblem(name, 1, "", "cannot read the file")));
    }
    Config parsed;
    try {
      // parseFile quietly returns an empty configuration for a missing file unless told otherwise.
      parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(List.of(problemOf(e, name)));
    }
    return read(parsed, name, ConfigResolveOptions.defaults());
  }

  /** Reads configuration text; {@code originName} stands for the file in problems. For tests and tools. */
  public static BridgeConfig parse(String hocon, String originName) throws ConfigException {
    return parse(hocon, originName, Map.of());
  }

  /**
   * As {@link #parse(String, String)}, with {@code variables} looked up for substitutions that neither
   * the text nor the environment resolves: lets a test substitute without setting a real variable.
   */
  static BridgeConfig parse(String hocon, String originName, Map<String, String> variables) throws ConfigException {
    Config parsed;
    try {
      parsed = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription(originName));
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(List.of(problemOf(e, originName)));
    }
    return read(parsed, originName, ConfigResolveOptions.defaults().appendResolver(new MapResolver(variables)));
  }

  private static BridgeConfig read(Config parsed, String fileName, ConfigResolveOptions options) throws ConfigException {
    Config resolved;
    try {
      resolved = parsed.resolve(options.setAllowUnresolved(true));
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(List.of(problemOf(e, fileName)));
    }
    List<ConfigProblem> problems = new ArrayList<>();
    ConfigNode root = ConfigNode.root(resolved.root(), parsed.root(), fileName, problems);
    Optional<ConfigNode> bridge = root.object("bridge");
    root.rejectUnknownKeys();
    if (bridge.isEmpty()) {
      root.reportIfMissing("bridge");
      throw new ConfigException(problems);
    }
    BridgeConfig config = bridge(bridge.get());
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return config;
  }

  private static BridgeConfig bridge(ConfigNode node) {
    String serviceName = node.string("service-name", "bridge");
    Duration shutdownTimeout = node.duration("shutdown-timeout", BridgeConfig.DEFAULT_SHUTDOWN_TIMEOUT);
    AdminConfig admin = admin(node.objectOrEmpty("admin"));
    ConfigNode tracingNode = node.objectOrEmpty("tracing");
    // bridge-wide only (one export queue for all routes), so read here and not by the routes' reader
    TracingConfig.WhenQueueFull whenQueueFull = tracingNode.choice("when-queue-full", TracingConfig.WhenQueueFull.DROP);
    TracingConfig tracing = RouteReader.tracing(tracingNode, TracingConfig.DEFAULT);
    LogConfig log = log(node.objectOrEmpty("log"));
    Map<String, String> otel = node.properties("otel", "otel.");
    KafkaClusterConfig kafka = kafka(node.objectOrEmpty("kafka"));
    NatsClusterConfig nats = nats(node.objectOrEmpty("nats"));
    List<RouteConfig> routes = node.object("routes").map(new RouteReader(tracing)::read).orElseGet(List::of);
    if (!node.has("routes")) {
      node.problem("routes", "missing: at least one route is required");
    }
    node.rejectUnknownKeys();
    if (serviceName.isBlank()) {
      node.problem("service-name", "must not be empty");
    }
    if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
      node.problem("shutdown-timeout", "must be greater than 0");
      shutdownTimeout = BridgeConfig.DEFAULT_SHUTDOWN_TIMEOUT;
    }
    return new BridgeConfig(serviceName, shutdownTimeout, admin, tracing, kafka, nats, otel, routes, log, whenQueueFull);
  }

  /** {@code levels} is read as {@code properties} are, so a logger may be quoted or written as a path. */
  private static LogConfig log(ConfigNode node) {
    boolean formatWritten = node.has("format");
    LogConfig.Format chosen = node.choice("format", LogConfig.Format.TEXT);
    Optional<LogConfig.Format> format = formatWritten ? Optional.of(chosen) : Optional.empty();
    Map<String, String> written = node.properties("levels", "");
    node.rejectUnknownKeys();
    Map<String, String> levels = new TreeMap<>();
    written.forEach((logger, value) -> LogConfig.level(value).ifPresentOrElse(
        level -> levels.put(logger, level),
        () -> node.problem("levels", "logger '" + logger + "': expected one of "
            + String.join(", ", LogConfig.LEVEL_NAMES) + ", found '" + value + "'")));
    return new LogConfig(format, levels);
  }

  private static AdminConfig admin(ConfigNode node) {
    AdminConfig defaults = AdminConfig.DEFAULT;
    AdminConfig admin = new AdminConfig(
        node.bool("enabled", defaults.enabled()),
        node.string("host", defaults.host()),
        (int) node.wholeNumber("port", defaults.port(), 0, 65535));
    node.rejectUnknownKeys();
    return admin;
  }

  private static KafkaClusterConfig kafka(ConfigNode node) {
    String bootstrapServers = node.string("bootstrap-servers", "127.0.0.1:9092");
    Map<String, String> properties = kafkaProperties(node, Map.of());
    node.rejectUnknownKeys();
    if (bootstrapServers.isBlank()) {
      node.problem("bootstrap-servers", "must not be empty");
    }
    return new KafkaClusterConfig(bootstrapServers, properties);
  }

  /**
   * {@code properties { }} of a Kafka client. Properties the bridge sets from its own keys are refused
   * here, so that each setting has one place: {@code bootstrap.servers} always, plus {@code setElsewhere}
   * (property name to the key that sets it).
   */
  static Map<String, String> kafkaProperties(ConfigNode node, Map<String, String> setElsewhere) {
    Map<String, String> properties = node.properties("properties", "");
    if (properties.containsKey("bootstrap.servers")) {
      node.problem("properties", "set bootstrap.servers with bridge.kafka.bootstrap-servers, not in properties");
    }
    setElsewhere.forEach((property, key) -> {
      if (properties.containsKey(property)) {
        node.problem("properties", "set " + property + " with " + key + ", not in properties");
      }
    });
    return properties;
  }

  private static NatsClusterConfig nats(ConfigNode node) {
    List<String> servers = node.stringListOrCommaSeparated("servers").orElse(List.of("nats://127.0.0.1:4222"));
    Optional<Secret> token = node.secretOrFile("token", "token-file");
    Optional<String> user = node.string("user");
    Optional<Secret> password = node.secretOrFile("password", "password-file");
    Optional<Path> credentialsFile = node.string("credentials-file").map(Path::of);
    Optional<Path> nkeyFile = node.string("nkey-file").map(Path::of);
    Optional<NatsClusterConfig.TlsConfig> tls = node.object("tls").map(ConfigLoader::tls);
    node.rejectUnknownKeys();

    if (servers.isEmpty() || servers.stream().anyMatch(String::isBlank)) {
      node.problem("servers", "needs at least one server URL and no empty one");
    }
    servers.stream().filter(url -> !url.isBlank())
        .forEach(url -> NatsServerUrls.problem(url).ifPresent(m -> node.problem("servers", m)));
    List<String> methods = new ArrayList<>();
    token.ifPresent(t -> methods.add(node.has("token") ? "token" : "token-file"));
    user.ifPresent(u -> methods.add("user"));
    credentialsFile.ifPresent(f -> methods.add("credentials-file"));
    nkeyFile.ifPresent(f -> methods.add("nkey-file"));
    if (methods.size() > 1) {
      node.problem("found both " + String.join(" and ", methods) + "; use one authentication method");
    }
    // a password-file that cannot be read is reported on its own
    if (user.isPresent() && password.isEmpty() && !node.has("password-file")) {
      node.problem("user", "needs password or password-file");
    }
    if (password.isPresent() && user.isEmpty()) {
      node.problem(node.has("password") ? "password" : "password-file", "needs user");
    }
    return new NatsClusterConfig(servers, token, user, password, credentialsFile, nkeyFile, tls);
  }

  private static NatsClusterConfig.TlsConfig tls(ConfigNode node) {
    Optional<Path> keystore = node.string("keystore").map(Path::of);
    Optional<Secret> keystorePassword = node.secretOrFile("keystore-password", "keystore-password-file");
    Optional<Path> truststore = node.string("truststore").map(Path::of);
    Optional<Secret> truststorePassword = node.secretOrFile("truststore-password", "truststore-password-file");
    boolean handshakeFirst = node.bool("handshake-first", false);
    node.rejectUnknownKeys();
    if (keystorePassword.isPresent() && keystore.isEmpty()) {
      node.problem(node.has("keystore-password") ? "keystore-password" : "keystore-password-file", "needs keystore");
    }
    if (truststorePassword.isPresent() && truststore.isEmpty()) {
      node.problem(node.has("truststore-password") ? "truststore-password" : "truststore-password-file",
          "needs truststore");
    }
    return new NatsClusterConfig.TlsConfig(keystore, keystorePassword, truststore, truststorePassword, handshakeFirst);
  }

  /** A syntax error, an unreadable include or a substitution cycle, at the line HOCON names. */
  private static ConfigProblem problemOf(com.typesafe.config.ConfigException e, String fileName) {
    ConfigOrigin origin = e.origin();
    String message = e.getMessage();
    if (origin == null) {
      return new ConfigProblem(fileName, 1, "", message);
    }
    // HOCON prefixes its message with the origin ("file: 3: "), which the problem already shows.
    String prefix = origin.description() + ": ";
    if (message.startsWith(prefix)) {
      message = message.substring(prefix.length());
    }
    if (e instanceof com.typesafe.config.ConfigException.Parse) {
      message = hideQuotedText(message);
    }
    String file = origin.filename() != null ? origin.filename() : fileName;
    return new ConfigProblem(file, Math.max(origin.lineNumber(), 1), "", message);
  }

  /**
   * HOCON's syntax errors quote the text they stumbled on, and in a broken file that may be a value (a
   * password taken for a key). Only single-character tokens ({@code '='}, {@code '}'}) and
   * {@code 'newline'} are kept; the line number still points at the mistake.
   */
  private static String hideQuotedText(String message) {
    return QUOTED.matcher(message).replaceAll(m -> {
      String quoted = m.group(1);
      return quoted.length() <= 1 || quoted.equals("newline") ? Matcher.quoteReplacement(m.group()) : "'…'";
    });
  }

  /** Looks substitutions up in a map, then in whatever resolver is appended after it. */
  private record MapResolver(Map<String, String> variables, Optional<ConfigResolver> fallback)
      implements ConfigResolver {

    MapResolver(Map<String, String> variables) {
      this(variables, Optional.empty());
    }

    @Override
    public ConfigValue lookup(String path) {
      String value = variables.get(path);
      if (value != null) {
        return ConfigValueFactory.fromAnyRef(value, "variable " + path);
      }
      return fallback.map(f -> f.lookup(path)).orElse(null);
    }

    @Override
    public ConfigResolver withFallback(ConfigResolver next) {
      return new MapResolver(variables, Optional.of(fallback.map(f -> f.withFallback(next)).orElse(next)));
    }
  }
}
