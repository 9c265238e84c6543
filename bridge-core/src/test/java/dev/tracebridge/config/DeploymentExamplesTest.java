package dev.tracebridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The deployment examples in {@code conf/} (the Kubernetes sidecar, the compose demo) and the
 * {@code Dockerfile} are read as files, since no cluster and no Docker engine run where the build does:
 * every YAML file parses, the bridge configuration each one gives the bridge validates with the
 * environment that file provides, and what Kubernetes or Docker would do with them fits the bridge
 * (probes on the admin paths it serves, a grace period longer than its drain, a non-root user, the
 * contract's entrypoint and command). A mistake here would otherwise show only on someone's cluster.
 */
class DeploymentExamplesTest {

  /** The admin paths the bridge serves (the contract's table) that a probe may use. */
  private static final Set<String> PROBE_PATHS = Set.of("/healthz", "/readyz");

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");

  @Test
  void everyYamlFileUnderConfParses() throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(confDirectory())) {
      files = walk.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
    }
    assertTrue(files.size() >= 5, "expected the Kubernetes and compose examples, found " + files);
    for (Path file : files) {
      List<Map<String, Object>> documents = documents(file);
      assertFalse(documents.isEmpty(), file + " holds no YAML document");
    }
  }

  // --- Kubernetes -------------------------------------------------------------------------------

  @Test
  void theSidecarIsANativeSidecarBesideTheApp() {
    Map<String, Object> pod = podSpec();
    Map<String, Object> bridge = bridgeContainer();
    assertEquals("Always", bridge.get("restartPolicy"),
        "a native sidecar is an init container with restartPolicy: Always (Kubernetes 1.29+)");
    List<Map<String, Object>> apps = list(pod, "containers");
    assertFalse(apps.isEmpty(), "the example shows the app the bridge serves");
    assertTrue(apps.stream().noneMatch(c -> "bridge".equals(c.get("name"))), "the bridge runs once, as the sidecar");
  }

  @Test
  void theConfigMapsRoutesValidateWithTheDeploymentsEnvironment() {
    BridgeConfig config = kubernetesConfig();
    assertEquals(Set.of("orders-to-nats", "events-to-kafka"),
        config.routes().stream().map(RouteConfig::name).collect(Collectors.toSet()));
    assertEquals("SASL_SSL", config.kafka().properties().get("security.protocol"));
    assertTrue(config.kafka().properties().containsKey("sasl.jaas.config"), "the JAAS line comes from the Secret");
  }

  @Test
  void theBridgeReadsTheConfigMapAtThePathItIsGiven() {
    Map<String, Object> bridge = bridgeContainer();
    List<String> args = list(bridge, "args");
    assertEquals(List.of("run", "--config", "/etc/bridge/routes.conf"), args);
    String mountPath = mountPathOf(bridge, volume("configMap", "name", configMapName()));
    assertEquals("/etc/bridge", mountPath);
    assertTrue(map(kubernetes("ConfigMap"), "data").containsKey("routes.conf"));
  }

  @Test
  void secretsReachTheBridgeAsEnvironmentAndAsFiles() {
    Map<String, Object> secret = kubernetes("Secret");
    String secretName = (String) map(secret, "metadata").get("name");
    Set<String> keys = map(secret, "stringData").keySet();
    Map<String, Object> bridge = bridgeContainer();

    List<Map<String, Object>> fromSecret = maps(bridge, "env").stream()
        .filter(e -> e.get("valueFrom") instanceof Map<?, ?> v && v.containsKey("secretKeyRef"))
        .toList();
    assertFalse(fromSecret.isEmpty(), "at least one secret comes as an environment variable");
    for (Map<String, Object> env : fromSecret) {
      Map<String, Object> ref = map(map(env, "valueFrom"), "secretKeyRef");
      assertEquals(secretName, ref.get("name"));
      assertTrue(keys.contains((String) ref.get("key")), "the Secret has no key " + ref.get("key"));
    }

    // The credentials file the configuration names lies in the Secret's mount, under a key it holds.
    Path credentials = kubernetesConfig().nats().credentialsFile().orElseThrow();
    Map<String, Object> volume = volume("secret", "secretName", secretName);
    assertEquals(mountPathOf(bridge, volume), credentials.getParent().toString());
    List<Map<String, Object>> items = list(map(volume, "secret"), "items");
    Map<String, Object> item = items.stream()
        .filter(i -> credentials.getFileName().toString().equals(i.get("path")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the secret volume does not project " + credentials.getFileName()));
    assertTrue(keys.contains((String) item.get("key")));
  }

  @Test
  void probesUseTheAdminPortAndPathsTheBridgeServes() {
    Map<String, Object> bridge = bridgeContainer();
    int adminPort = kubernetesConfig().admin().port();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      Map<String, Object> httpGet = map(map(bridge, probe), "httpGet");
      assertTrue(PROBE_PATHS.contains((String) httpGet.get("path")), probe + " probes " + httpGet.get("path"));
      assertEquals(adminPort, containerPort(bridge, httpGet.get("port")), probe + " probes another port");
    }
    // Liveness must not follow the brokers: a broker outage would restart every pod and fix nothing.
    assertEquals("/healthz", map(map(bridge, "livenessProbe"), "httpGet").get("path"));
  }

  @Test
  void theGracePeriodLeavesTheBridgeItsShutdownTimeout() {
    Duration shutdown = kubernetesConfig().shutdownTimeout();
    int grace = ((Number) podSpec().get("terminationGracePeriodSeconds")).intValue();
    // A native sidecar stops after the app, within the same period: keep room for the app too.
    assertTrue(grace >= shutdown.toSeconds() + 10,
        "terminationGracePeriodSeconds " + grace + " leaves no room beside shutdown-timeout " + shutdown);
  }

  @Test
  void theSidecarHasAMemoryLimitForItsHeapShare() {
    Map<String, Object> resources = map(bridgeContainer(), "resources");
    assertNotNull(map(resources, "limits").get("memory"), "MaxRAMPercentage needs a memory limit to be a share of");
    assertNotNull(map(resources, "requests").get("memory"));
    Map<String, Object> security = map(podSpec(), "securityContext");
    assertEquals(Boolean.TRUE, security.get("runAsNonRoot"));
  }

  // --- compose ----------------------------------------------------------------------------------

  @Test
  void theComposeBridgeConfigValidatesWithItsEnvironment() {
    BridgeConfig config = composeConfig();
    Set<String> directions = config.routes().stream()
        .map(r -> r.from().getClass().getSimpleName() + "->" + r.to().getClass().getSimpleName())
        .collect(Collectors.toSet());
    assertEquals(Set.of("Kafka->JetStream", "JetStream->Kafka"), directions, "Kafka -> NATS and back");
  }

  @Test
  void theComposeBridgeIsBuiltFromTheDockerfileAndStopsInTime() {
    Map<String, Object> bridge = composeService("bridge");
    Map<String, Object> build = map(bridge, "build");
    Path context = composeDirectory().resolve((String) build.get("context")).normalize();
    assertTrue(Files.isRegularFile(context.resolve((String) build.get("dockerfile"))), "no Dockerfile in " + context);
    Duration grace = duration((String) bridge.get("stop_grace_period"));
    assertTrue(grace.compareTo(composeConfig().shutdownTimeout()) > 0, "stop_grace_period below shutdown-timeout");
  }

  @Test
  void composeSendsTheSpansThroughTheCollectorToJaeger() throws IOException {
    Map<String, String> env = composeEnvironment(composeService("bridge"));
    URI otlp = URI.create(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
    assertTrue(composeServices().containsKey(otlp.getHost()), "the bridge exports to an unknown host " + otlp);
    assertEquals("http/protobuf", env.get("OTEL_EXPORTER_OTLP_PROTOCOL"));

    Map<String, Object> collector = composeService(otlp.getHost());
    Path collectorConfig = mountedSource(collector, "/etc/otelcol/config.yaml");
    Map<String, Object> otel = documents(collectorConfig).get(0);
    String httpEndpoint = (String) map(map(map(map(otel, "receivers"), "otlp"), "protocols"), "http").get("endpoint");
    assertTrue(httpEndpoint.endsWith(":" + otlp.getPort()), "the collector listens for OTLP/HTTP on " + httpEndpoint);
    List<String> exporters = list(map(map(map(otel, "service"), "pipelines"), "traces"), "exporters");
    String jaegerEndpoint = exporters.stream()
        .map(name -> map(map(otel, "exporters"), name).get("endpoint"))
        .filter(e -> e instanceof String s && s.startsWith("jaeger:"))
        .map(String.class::cast)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no traces exporter to jaeger in " + exporters));
    assertEquals("jaeger:4317", jaegerEndpoint);
    Map<String, String> jaeger = composeEnvironment(composeService("jaeger"));
    assertEquals("true", jaeger.get("COLLECTOR_OTLP_ENABLED"));
    assertTrue(list(composeService("jaeger"), "ports").stream().anyMatch(p -> p.toString().startsWith("16686:")));
  }

  // --- Dockerfile -------------------------------------------------------------------------------

  @Test
  void theImageRunsTheLauncherAsNonRoot() throws IOException {
    List<String> runtime = runtimeStage();
    String user = instruction(runtime, "USER").orElseThrow(() -> new AssertionError("the runtime stage sets no USER"));
    String uid = user.split(":")[0];
    assertTrue(uid.matches("\\d+"), "USER " + user + ": a numeric id lets Kubernetes' runAsNonRoot check it");
    assertFalse(uid.equals("0"), "USER is root");
    assertEquals("[\"/opt/bridge/bin/bridge\"]", instruction(runtime, "ENTRYPOINT").orElseThrow());
    assertEquals("[\"run\", \"--config\", \"/etc/bridge/routes.conf\"]", instruction(runtime, "CMD").orElseThrow());
    assertEquals("8080", instruction(runtime, "EXPOSE").orElseThrow());
    assertTrue(instruction(runtime, "ENV").orElseThrow().contains("MaxRAMPercentage"), "heap as a share of the container");
  }

  @Test
  void theImageHoldsTheDistributionAndTheDefaultConfigOnly() throws IOException {
    List<String> copies = runtimeStage().stream().filter(l -> l.startsWith("COPY ")).toList();
    assertEquals(List.of(
        "COPY --from=build /src/bridge-cli/target/bridge/ /opt/bridge/",
        "COPY conf/routes.conf /etc/bridge/routes.conf"), copies);
    // The build stage caches the dependencies of the poms before any source is copied.
    List<String> lines = dockerfileInstructions();
    int goOffline = indexOf(lines, "RUN mvn -B -q dependency:go-offline");
    int firstSource = indexOf(lines, "COPY bridge-testkit/src bridge-testkit/src");
    assertTrue(goOffline >= 0 && goOffline < firstSource, "dependencies are fetched before the sources are copied");
    List<String> ignored = Files.readAllLines(repositoryRoot().resolve(".dockerignore"));
    assertTrue(ignored.contains("**/target/") && ignored.contains(".git"), ".dockerignore keeps build output and history out");
  }

  // --- reading the files ------------------------------------------------------------------------

  private static BridgeConfig kubernetesConfig() {
    String routes = (String) map(kubernetes("ConfigMap"), "data").get("routes.conf");
    Map<String, String> variables = new HashMap<>();
    for (Map<String, Object> env : maps(bridgeContainer(), "env")) {
      String name = (String) env.get("name");
      // What a Secret or the downward API would give: some text, the same for the check.
      variables.put(name, env.containsKey("value") ? (String) env.get("value") : "value-of-" + name);
    }
    return validate(routes, "conf/kubernetes/configmap.yaml#routes.conf", variables);
  }

  private static BridgeConfig composeConfig() {
    Map<String, Object> bridge = composeService("bridge");
    Path routes = mountedSource(bridge, "/etc/bridge/routes.conf");
    try {
      return validate(Files.readString(routes), routes.toString(), composeEnvironment(bridge));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static BridgeConfig validate(String hocon, String origin, Map<String, String> variables) {
    try {
      return ConfigLoader.parse(hocon, origin, variables);
    } catch (ConfigException e) {
      throw new AssertionError(origin + " is invalid:\n" + e.getMessage(), e);
    }
  }

  private static Map<String, Object> kubernetes(String kind) {
    List<Map<String, Object>> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(confDirectory().resolve("kubernetes"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        documents(file).stream().filter(d -> kind.equals(d.get("kind"))).forEach(found::add);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertEquals(1, found.size(), "one " + kind + " in conf/kubernetes");
    return found.get(0);
  }

  private static String configMapName() {
    return (String) map(kubernetes("ConfigMap"), "metadata").get("name");
  }

  private static Map<String, Object> podSpec() {
    return map(map(map(kubernetes("Deployment"), "spec"), "template"), "spec");
  }

  private static Map<String, Object> bridgeContainer() {
    return list(podSpec(), "initContainers").stream()
        .map(DeploymentExamplesTest::asMap)
        .filter(c -> "bridge".equals(c.get("name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no init container named bridge"));
  }

  /** The pod volume whose {@code source} (configMap, secret) has {@code key} = {@code name}. */
  private static Map<String, Object> volume(String source, String key, String name) {
    return list(podSpec(), "volumes").stream()
        .map(DeploymentExamplesTest::asMap)
        .filter(v -> v.get(source) instanceof Map<?, ?> s && name.equals(s.get(key)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + source + " volume of " + name));
  }

  private static String mountPathOf(Map<String, Object> container, Map<String, Object> volume) {
    return list(container, "volumeMounts").stream()
        .map(DeploymentExamplesTest::asMap)
        .filter(m -> volume.get("name").equals(m.get("name")))
        .map(m -> (String) m.get("mountPath"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("volume " + volume.get("name") + " is not mounted"));
  }

  /** A probe's port, by number or by the name of one of the container's ports. */
  private static int containerPort(Map<String, Object> container, Object port) {
    if (port instanceof Number n) {
      return n.intValue();
    }
    return list(container, "ports").stream()
        .map(DeploymentExamplesTest::asMap)
        .filter(p -> port.equals(p.get("name")))
        .map(p -> ((Number) p.get("containerPort")).intValue())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container port named " + port));
  }

  private static Map<String, Object> composeServices() {
    return map(documents(composeDirectory().resolve("compose.yaml")).get(0), "services");
  }

  private static Map<String, Object> composeService(String name) {
    return map(composeServices(), name);
  }

  private static Map<String, String> composeEnvironment(Map<String, Object> service) {
    Map<String, String> env = new HashMap<>();
    map(service, "environment").forEach((k, v) -> env.put(k, String.valueOf(v)));
    return env;
  }

  /** The file on the host that a compose service mounts at {@code target} ({@code ./file:target:ro}). */
  private static Path mountedSource(Map<String, Object> service, String target) {
    for (Object volume : list(service, "volumes")) {
      String[] parts = volume.toString().split(":");
      if (parts.length >= 2 && parts[1].equals(target)) {
        Path source = composeDirectory().resolve(parts[0]).normalize();
        assertTrue(Files.isRegularFile(source), "compose mounts a missing file " + source);
        return source;
      }
    }
    return fail("nothing is mounted at " + target);
  }

  private static Duration duration(String text) {
    Matcher m = DURATION.matcher(text == null ? "" : text);
    assertTrue(m.matches(), "not a duration: " + text);
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      default -> Duration.ofMinutes(amount);
    };
  }

  /** The Dockerfile's instructions, one a line (continuations joined), without comments. */
  private static List<String> dockerfileInstructions() throws IOException {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : Files.readAllLines(repositoryRoot().resolve("Dockerfile"))) {
      String line = raw.strip();
      if (line.startsWith("#") || line.isEmpty()) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      instructions.add(current.append(line).toString());
      current.setLength(0);
    }
    return instructions;
  }

  /** The instructions of the last stage, the one the image is. */
  private static List<String> runtimeStage() throws IOException {
    List<String> lines = dockerfileInstructions();
    int from = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("FROM ")) {
        from = i;
      }
    }
    return lines.subList(from, lines.size());
  }

  /** The argument of the stage's last {@code instruction}, which is the one that counts. */
  private static Optional<String> instruction(List<String> stage, String instruction) {
    String prefix = instruction + " ";
    return stage.stream().filter(l -> l.startsWith(prefix)).reduce((a, b) -> b).map(l -> l.substring(prefix.length()).strip());
  }

  private static int indexOf(List<String> lines, String line) {
    return lines.indexOf(line);
  }

  /** Every document of a YAML file, each a mapping; parsed with SnakeYAML's safe constructor. */
  private static List<Map<String, Object>> documents(Path file) {
    List<Map<String, Object>> documents = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file)) {
      for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(reader)) {
        if (document != null) {
          assertTrue(document instanceof Map, file + ": a document is not a mapping");
          documents.add(asMap(document));
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new AssertionError(file + " does not parse: " + e.getMessage(), e);
    }
    return documents;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object value) {
    return (Map<String, Object>) value;
  }

  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    assertTrue(value instanceof Map, key + " is not a mapping in " + parent.keySet());
    return asMap(value);
  }

  private static List<Map<String, Object>> maps(Map<String, Object> parent, String key) {
    return DeploymentExamplesTest.<Object>list(parent, key).stream().map(DeploymentExamplesTest::asMap).toList();
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> list(Map<String, Object> parent, String key) {
    Object value = parent.get(key);
    assertTrue(value instanceof List, key + " is not a list in " + parent.keySet());
    return (List<T>) value;
  }

  private static Path composeDirectory() {
    return confDirectory().resolve("compose");
  }

  private static Path confDirectory() {
    return repositoryRoot().resolve("conf");
  }

  /** Tests run in the module directory ({@code bridge-core}); the examples live at the repository root. */
  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !(Files.isDirectory(dir.resolve("conf")) && Files.exists(dir.resolve("pom.xml")))) {
      dir = dir.getParent();
    }
    assertNotNull(dir, "no conf/ directory above " + Path.of("").toAbsolutePath());
    return dir;
  }
}
