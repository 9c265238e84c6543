package dev.tracebridge.mapping;

import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.Header;
import dev.tracebridge.message.SourcePosition;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A destination or key template such as {@code orders.{key}} or {@code {subject[1]}}. Placeholders:
 * {@code {topic}}, {@code {partition}}, {@code {offset}}, {@code {key}} (the Kafka record key; from
 * NATS the {@code bridge-kafka-key} header), {@code {subject}}, {@code {subject[N]}} (token N from 0),
 * {@code {header:NAME}} (first value) and {@code {route}}. Parsed once at start-up, immutable.
 */
public final class Template {

  private static final Pattern SUBJECT_TOKEN = Pattern.compile("subject\\[(\\d+)]");

  private final String text;
  private final List<Part> parts;

  private Template(String text, List<Part> parts) {
    this.text = text;
    this.parts = List.copyOf(parts);
  }

  /** Parses a template; the exception's message says what is wrong, for {@code bridge validate}. */
  public static Template parse(String text) {
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '}') {
        throw new IllegalArgumentException("unmatched '}' at position " + i + " in template '" + text + "'");
      }
      if (c != '{') {
        literal.append(c);
        i++;
        continue;
      }
      int end = text.indexOf('}', i);
      if (end < 0) {
        throw new IllegalArgumentException("unclosed '{' at position " + i + " in template '" + text + "'");
      }
      if (literal.length() > 0) {
        parts.add(new Literal(literal.toString()));
        literal.setLength(0);
      }
      parts.add(placeholder(text.substring(i + 1, end), text));
      i = end + 1;
    }
    if (literal.length() > 0) {
      parts.add(new Literal(literal.toString()));
    }
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("template is empty");
    }
    return new Template(text, parts);
  }

  private static Part placeholder(String name, String text) {
    switch (name) {
      case "topic", "partition", "offset", "key", "subject", "route":
        return new Placeholder(name, -1, null);
      default:
        break;
    }
    Matcher token = SUBJECT_TOKEN.matcher(name);
    if (token.matches()) {
      return new Placeholder("subject", Integer.parseInt(token.group(1)), null);
    }
    if (name.startsWith("header:") && name.length() > "header:".length()) {
      return new Placeholder("header", -1, name.substring("header:".length()));
    }
    throw new IllegalArgumentException("unknown placeholder '{" + name + "}' in template '" + text
        + "' (known: {topic}, {partition}, {offset}, {key}, {subject}, {subject[N]}, {header:NAME}, {route})");
  }

  /** The template as configured, placeholders unexpanded: what span names show. */
  public String text() {
    return text;
  }

  /** True when the template has no placeholder. */
  public boolean isConstant() {
    return parts.stream().allMatch(p -> p instanceof Literal);
  }

  /**
   * The kinds of placeholder used: {@code topic}, {@code partition}, {@code offset}, {@code key},
   * {@code subject}, {@code header}, {@code route}.
   */
  public List<String> placeholderKinds() {
    List<String> kinds = new ArrayList<>();
    for (Part p : parts) {
      if (p instanceof Placeholder ph && !kinds.contains(ph.kind)) {
        kinds.add(ph.kind);
      }
    }
    return kinds;
  }

  /** Fills the template for one message, or says why it cannot. */
  public String render(BridgeMessage message, String route) throws TemplateException {
    if (parts.size() == 1 && parts.get(0) instanceof Literal l) {
      return l.text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (Part p : parts) {
      if (p instanceof Literal l) {
        out.append(l.text);
      } else {
        out.append(((Placeholder) p).fill(message, route, text));
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Template t && t.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  private sealed interface Part permits Literal, Placeholder {
  }

  private record Literal(String text) implements Part {
  }

  private record Placeholder(String kind, int token, String header) implements Part {

    String fill(BridgeMessage m, String route, String template) throws TemplateException {
      SourcePosition pos = m.position();
      switch (kind) {
        case "route":
          return route;
        case "topic":
          return kafkaPosition(pos, template).topic();
        case "partition":
          return Integer.toString(kafkaPosition(pos, template).partition());
        case "offset":
          return Long.toString(kafkaPosition(pos, template).offset());
        case "key":
          byte[] key = MessageKeys.keyOf(m);
          if (key == null) {
            throw new TemplateException("the message has no key for {key} in '" + template + "'");
          }
          return new String(key, StandardCharsets.UTF_8);
        case "subject":
          String subject = subjectOf(pos, template);
          if (token < 0) {
            return subject;
          }
          String[] tokens = subject.split("\\.", -1);
          if (token >= tokens.length) {
            throw new TemplateException("subject '" + subject + "' has no token " + token + " for '" + template + "'");
          }
          return tokens[token];
        case "header":
          Header h = m.headers().first(header).orElse(null);
          if (h == null || h.value() == null) {
            throw new TemplateException("the message has no value of header '" + header + "' for '" + template + "'");
          }
          return h.valueAsString();
        default:
          throw new IllegalStateException(kind);
      }
    }

    private SourcePosition.Kafka kafkaPosition(SourcePosition pos, String template) throws TemplateException {
      return pos.match(kafka -> kafka, nats -> needs("a Kafka", template), jetStream -> needs("a Kafka", template));
    }

    private String subjectOf(SourcePosition pos, String template) throws TemplateException {
      return pos.match(kafka -> needs("a NATS or JetStream", template), nats -> nats.subject(),
          jetStream -> jetStream.subject());
    }

    /** Fails: this placeholder cannot be filled from a message of the route's source kind. */
    private <T> T needs(String source, String template) throws TemplateException {
      throw new TemplateException("{" + kind + "} in '" + template + "' needs " + source + " source");
    }
  }
}
