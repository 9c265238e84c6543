package dev.tracebridge.config;

import dev.tracebridge.mapping.Template;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Reads {@code bridge.routes}: each route's endpoints and settings, with the checks that need the
 * route as a whole, such as placeholders that must fit the route's source.
 */
final class RouteReader {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{[^}]*}");
  /** How long a NATS request waits for its reply when {@code to.nats.request} gives no {@code timeout}. */
  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private final TracingConfig bridgeTracing;

  /** @param bridgeTracing {@code bridge.tracing}, the default of every route's {@code tracing} keys */
  RouteReader(TracingConfig bridgeTracing) {
    this.bridgeTracing = bridgeTracing;
  }

  /** The routes in name order; a route with an unusable {@code from} or {@code to} is left out (its problems are reported). */
  List<RouteConfig> read(ConfigNode routes) {
    if (routes.keys().isEmpty()) {
      routes.problem("at least one route is required");
    }
    List<RouteConfig> result = new ArrayList<>();
    for (String name : new TreeSet<>(routes.keys())) {
      NamingRules.natsName(name).ifPresent(m -> routes.problem(name, "route name " + m));
      routes.object(name).flatMap(node -> route(name, node)).ifPresent(result::add);
    }
    // the answers of reply.from.kafka run as an internal route <name>-replies: its /routes entry, metrics and clients
    for (RouteConfig route : result) {
      String relay = route.name() + ReplyConfig.FromKafka.RELAY_SUFFIX;
      boolean answersFromKafka = route.reply().map(r -> r.match(fromKafka -> true, toKafka -> false)).orElse(false);
      if (answersFromKafka && routes.keys().contains(relay)) {
        routes.problem(relay, "route name is taken by the reply relay of route " + route.name()
            + " (reply.from.kafka); rename this route");
      }
    }
    return result;
  }

  /** {@code tracing { propagation, consumer-parent }}, each key defaulting to {@code defaults}. */
  static TracingConfig tracing(ConfigNode node, TracingConfig defaults) {
    TracingConfig tracing = new TracingConfig(
        node.choice("propagation", defaults.propagation()),
        node.choice("consumer-parent", defaults.consumerParent()));
    node.rejectUnknownKeys();
    return tracing;
  }

  private Optional<RouteConfig> route(String name, ConfigNode node) {
    Optional<SourceConfig> from = endpoint(node, "from", true).flatMap(e -> source(name, e));
    Optional<EndpointKind> sourceKind = from.map(EndpointKind::of);
    Optional<SinkConfig> to = endpoint(node, "to", true).flatMap(e -> sink(e, sourceKind, true));
    Optional<SinkConfig> deadLetter = endpoint(node, "dead-letter", false).flatMap(e -> sink(e, sourceKind, false));
    Optional<ReplyConfig> reply = node.object("reply").flatMap(r -> reply(name, r, sourceKind));
    RetryConfig retry = retry(node.objectOrEmpty("retry"));
    boolean provenanceHeaders = node.bool("provenance-headers", true);
    TracingConfig tracing = tracing(node.objectOrEmpty("tracing"), bridgeTracing);
    InFlightConfig inFlight = inFlight(node.objectOrEmpty("in-flight"));
    node.rejectUnknownKeys();
    if (from.isEmpty() || to.isEmpty()) {
      return Optional.empty();
    }
    checkReplyFits(node, from.get(), to.get(), reply);
    return Optional.of(new RouteConfig(name, from.get(), to.get(), retry, deadLetter, provenanceHeaders,
        tracing, inFlight, reply));
  }

  private record Endpoint(EndpointKind kind, ConfigNode node) {
  }

  /** {@code from}, {@code to} or {@code dead-letter}: an object holding exactly one of kafka, nats, jetstream. */
  private static Optional<Endpoint> endpoint(ConfigNode route, String key, boolean required) {
    Optional<ConfigNode> holder = route.object(key);
    if (holder.isEmpty()) {
      if (required) {
        route.reportIfMissing(key);
      }
      return Optional.empty();
    }
    ConfigNode node = holder.get();
    Map<EndpointKind, ConfigNode> found = new EnumMap<>(EndpointKind.class);
    for (EndpointKind kind : EndpointKind.values()) {
      node.object(kind.key()).ifPresent(n -> found.put(kind, n));
    }
    node.rejectUnknownKeys();
    if (found.size() > 1) {
      node.problem("found both " + found.keySet().stream().map(EndpointKind::key).collect(Collectors.joining(" and "))
          + "; use one of " + EndpointKind.choices());
      return Optional.empty();
    }
    if (found.isEmpty()) {
      if (Arrays.stream(EndpointKind.values()).map(EndpointKind::key).noneMatch(node::has)) {
        node.problem("needs one of " + EndpointKind.choices());
      }
      return Optional.empty();
    }
    Map.Entry<EndpointKind, ConfigNode> only = found.entrySet().iterator().next();
    return Optional.of(new Endpoint(only.getKey(), only.getValue()));
  }

  private static Optional<SourceConfig> source(String route, Endpoint endpoint) {
    ConfigNode node = endpoint.node();
    return switch (endpoint.kind()) {
      case KAFKA -> kafkaSource(route, node);
      case NATS -> natsSource(node);
      case JETSTREAM -> jetStreamSource(route, node);
    };
  }

  private static Optional<SourceConfig> kafkaSource(String route, ConfigNode node) {
    Optional<List<String>> topics = node.stringList("topics");
    Optional<String> topicPattern = node.string("topic-pattern");
    String groupId = node.string("group-id", "bridge-" + route);
    SourceConfig.StartFrom startFrom = node.choice("start-from", SourceConfig.StartFrom.EARLIEST);
    Map<String, String> properties = ConfigLoader.kafkaProperties(node, Map.of("group.id", "group-id"));
    node.rejectUnknownKeys();

    if (node.has("topics") && node.has("topic-pattern")) {
      node.problem("found both topics and topic-pattern; use one");
    } else if (!node.has("topics") && !node.has("topic-pattern")) {
      node.problem("needs topics (a list) or topic-pattern (a regular expression)");
    }
    topics.ifPresent(list -> {
      if (list.isEmpty()) {
        node.problem("topics", "must not be empty");
      }
      list.forEach(topic -> NamingRules.kafkaTopic(topic).ifPresent(m -> node.problem("topics", m)));
    });
    topicPattern.ifPresent(regex -> {
      try {
        Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        node.problem("topic-pattern", "is not a valid regular expression: " + e.getDescription()
            + " near index " + e.getIndex());
      }
    });
    if (groupId.isBlank()) {
      node.problem("group-id", "must not be empty");
    }
    return Optional.of(new SourceConfig.Kafka(topics.orElse(List.of()), topicPattern, groupId, startFrom, properties));
  }

  private static Optional<SourceConfig> natsSource(ConfigNode node) {
    Optional<String> subject = node.requiredString("subject");
    Optional<String> queueGroup = node.string("queue-group");
    node.rejectUnknownKeys();
    subject.flatMap(NamingRules::consumedSubject).ifPresent(m -> node.problem("subject", m));
    queueGroup.flatMap(NamingRules::queueGroup).ifPresent(m -> node.problem("queue-group", m));
    return subject.map(s -> new SourceConfig.Nats(s, queueGroup));
  }

  private static Optional<SourceConfig> jetStreamSource(String route, ConfigNode node) {
    Optional<String> stream = node.requiredString("stream");
    Optional<String> subject = node.string("subject");
    String durable = node.string("durable", "bridge-" + route);
    node.rejectUnknownKeys();
    stream.flatMap(NamingRules::natsName).ifPresent(m -> node.problem("stream", "stream name " + m));
    subject.flatMap(NamingRules::consumedSubject).ifPresent(m -> node.problem("subject", m));
    NamingRules.natsName(durable).ifPresent(m -> node.problem("durable", "durable name " + m));
    return stream.map(s -> new SourceConfig.JetStream(s, subject, durable));
  }

  /** {@code to} or {@code dead-letter}; only a route's {@code to} may send NATS requests. */
  private static Optional<SinkConfig> sink(Endpoint endpoint, Optional<EndpointKind> sourceKind, boolean mayRequest) {
    ConfigNode node = endpoint.node();
    return switch (endpoint.kind()) {
      case KAFKA -> kafkaSink(node, sourceKind);
      case NATS -> natsSink(node, sourceKind, mayRequest);
      case JETSTREAM -> subjectSink(node, sourceKind).map(SinkConfig.JetStream::new);
    };
  }

  /** {@code to.nats}: a subject, and with {@code request { timeout }} a request that waits for its reply. */
  private static Optional<SinkConfig> natsSink(ConfigNode node, Optional<EndpointKind> sourceKind, boolean mayRequest) {
    Optional<Duration> requestTimeout = node.object("request").map(request -> {
      Duration timeout = request.duration("timeout", DEFAULT_REQUEST_TIMEOUT);
      request.rejectUnknownKeys();
      if (timeout.isNegative() || timeout.isZero()) {
        request.problem("timeout", "must be greater than 0");
      }
      if (!mayRequest) {
        node.problem("request", "only a route's to.nats can send requests, not its dead letter");
      }
      return timeout;
    });
    return subjectSink(node, sourceKind).map(subject -> new SinkConfig.Nats(subject, requestTimeout));
  }

  /**
   * {@code reply}: exactly one of {@code from.kafka} (answers to NATS requests) or {@code to.kafka} (replies of
   * NATS services).
   */
  private static Optional<ReplyConfig> reply(String route, ConfigNode node, Optional<EndpointKind> sourceKind) {
    Optional<ConfigNode> from = node.object("from").flatMap(f -> onlyKafka(f));
    Optional<ConfigNode> to = node.object("to").flatMap(t -> onlyKafka(t));
    node.rejectUnknownKeys();
    if (from.isPresent() && to.isPresent()) {
      node.problem("found both from.kafka and to.kafka; use one");
      return Optional.empty();
    }
    if (from.isEmpty() && to.isEmpty()) {
      if (!node.has("from") && !node.has("to")) {
        node.problem("needs from.kafka (answers to NATS requests) or to.kafka (replies of a NATS service)");
      }
      return Optional.empty();
    }
    if (from.isPresent()) {
      ConfigNode f = from.get();
      Optional<String> topic = f.requiredString("topic");
      String groupId = f.string("group-id", "bridge-" + route + "-replies");
      f.rejectUnknownKeys();
      topic.flatMap(NamingRules::kafkaTopic).ifPresent(m -> f.problem("topic", m));
      if (groupId.isBlank()) {
        f.problem("group-id", "must not be empty");
      }
      return topic.map(t -> new ReplyConfig.FromKafka(t, groupId));
    }
    ConfigNode t = to.get();
    Optional<Template> topic = template(t, "topic", true, sourceKind, NamingRules::kafkaTopicTemplate);
    Optional<Template> key = template(t, "key", false, sourceKind, (text, sample) -> Optional.empty());
    t.rejectUnknownKeys();
    topic.filter(Template::isConstant)
        .flatMap(x -> NamingRules.kafkaTopic(x.text()))
        .ifPresent(m -> t.problem("topic", m));
    return topic.map(x -> new ReplyConfig.ToKafka(x, key));
  }

  /** {@code reply.from} or {@code reply.to}: an object holding {@code kafka}, the only kind replies travel in. */
  private static Optional<ConfigNode> onlyKafka(ConfigNode holder) {
    Optional<ConfigNode> kafka = holder.object("kafka");
    holder.rejectUnknownKeys();
    if (kafka.isEmpty() && !holder.has("kafka")) {
      holder.problem("needs kafka: replies travel through Kafka topics");
    }
    return kafka;
  }

  /** A reply direction must fit the route's endpoints, and a NATS request needs somewhere to put its reply. */
  private static void checkReplyFits(ConfigNode node, SourceConfig from, SinkConfig to, Optional<ReplyConfig> reply) {
    boolean requests = to.match(kafka -> false, nats -> nats.requestTimeout().isPresent(), jetStream -> false);
    boolean fromKafka = from.match(kafka -> true, nats -> false, jetStream -> false);
    boolean fromCoreNats = from.match(kafka -> false, nats -> true, jetStream -> false);
    boolean toKafka = to.match(kafka -> true, nats -> false, jetStream -> false);
    if (reply.isEmpty()) {
      if (requests) {
        node.problem("to.nats.request", "needs reply.to.kafka { topic }: where the replies of the requests go");
      }
      return;
    }
    reply.get().match(
        fromKafka2 -> {
          if (!fromCoreNats || !toKafka) {
            node.problem("reply.from.kafka", "needs a route from nats (core NATS requests carry a reply subject)"
                + " to kafka (where the requests go)");
          }
          return null;
        },
        toKafka2 -> {
          if (!fromKafka || !requests) {
            node.problem("reply.to.kafka", "needs a route from kafka to nats with request { timeout }");
          }
          return null;
        });
  }

  private static Optional<SinkConfig> kafkaSink(ConfigNode node, Optional<EndpointKind> sourceKind) {
    Optional<Template> topic = template(node, "topic", true, sourceKind, NamingRules::kafkaTopicTemplate);
    Optional<Template> key = template(node, "key", false, sourceKind, (t, sample) -> Optional.empty());
    Map<String, String> properties = ConfigLoader.kafkaProperties(node, Map.of());
    node.rejectUnknownKeys();
    topic.filter(Template::isConstant)
        .flatMap(t -> NamingRules.kafkaTopic(t.text()))
        .ifPresent(m -> node.problem("topic", m));
    return topic.map(t -> new SinkConfig.Kafka(t, key, properties));
  }

  /** {@code to.nats} and {@code to.jetstream}: a subject to publish to. */
  private static Optional<Template> subjectSink(ConfigNode node, Optional<EndpointKind> sourceKind) {
    Optional<Template> subject = template(node, "subject", true, sourceKind, NamingRules::publishedSubjectTemplate);
    node.rejectUnknownKeys();
    return subject;
  }

  /**
   * A template at {@code key}: it must parse, its placeholders must fit the source, and its literal
   * parts must pass {@code rule}, which sees the text with each placeholder replaced by {@code x}.
   */
  private static Optional<Template> template(ConfigNode node, String key, boolean required,
      Optional<EndpointKind> sourceKind, BiFunction<String, String, Optional<String>> rule) {
    Optional<String> text = required ? node.requiredString(key) : node.string(key);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    Template template;
    try {
      template = Template.parse(text.get());
    } catch (IllegalArgumentException e) {
      node.problem(key, e.getMessage());
      return Optional.empty();
    }
    sourceKind.ifPresent(kind -> checkPlaceholdersFit(node, key, template, kind));
    rule.apply(template.text(), PLACEHOLDER.matcher(template.text()).replaceAll("x"))
        .ifPresent(m -> node.problem(key, m));
    return Optional.of(template);
  }

  private static void checkPlaceholdersFit(ConfigNode node, String key, Template template, EndpointKind sourceKind) {
    boolean kafkaRecords = switch (sourceKind) {
      case KAFKA -> true;
      case NATS, JETSTREAM -> false;
    };
    for (String placeholder : template.placeholderKinds()) {
      switch (placeholder) {
        case "topic", "partition", "offset" -> {
          if (!kafkaRecords) {
            node.problem(key, "{" + placeholder + "} in '" + template.text()
                + "' needs a Kafka source; this route reads from " + sourceKind.key());
          }
        }
        case "subject" -> {
          if (kafkaRecords) {
            node.problem(key, "{subject} and {subject[N]} in '" + template.text()
                + "' need a NATS or JetStream source; this route reads from " + sourceKind.key());
          }
        }
        default -> {
          // {key}, {header:NAME} and {route} can be filled from any source.
        }
      }
    }
  }

  private static RetryConfig retry(ConfigNode node) {
    RetryConfig defaults = RetryConfig.DEFAULT;
    int maxAttempts = (int) node.wholeNumber("max-attempts", defaults.maxAttempts(), 1, Integer.MAX_VALUE);
    Duration initial = node.duration("initial-backoff", defaults.initialBackoff());
    Duration max = node.duration("max-backoff", defaults.maxBackoff());
    node.rejectUnknownKeys();
    if (initial.isNegative() || initial.isZero()) {
      node.problem("initial-backoff", "must be greater than 0");
    } else if (max.compareTo(initial) < 0) {
      node.problem("max-backoff", "must be at least initial-backoff");
    }
    return new RetryConfig(maxAttempts, initial, max);
  }

  private static InFlightConfig inFlight(ConfigNode node) {
    InFlightConfig defaults = InFlightConfig.DEFAULT;
    int maxMessages = (int) node.wholeNumber("max-messages", defaults.maxMessages(), 1, Integer.MAX_VALUE);
    long maxBytes = node.bytes("max-bytes", defaults.maxBytes());
    node.rejectUnknownKeys();
    if (maxBytes <= 0) {
      node.problem("max-bytes", "must be greater than 0");
    }
    return new InFlightConfig(maxMessages, maxBytes);
  }
}
