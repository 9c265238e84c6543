package dev.tracebridge.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One HOCON object of the configuration file, read key by key with its types checked. Every mistake
 * becomes a {@link ConfigProblem} in a list shared by the whole file, and the getter returns empty (or
 * its default) so that reading goes on and all mistakes are reported at once.
 *
 * <p>The node remembers which keys were asked for: {@link #rejectUnknownKeys()} reports the others, so
 * a reader must ask for every key it knows before calling it. Messages never contain a value read from
 * the file, except where a getter says so (choices and names), because values may be secrets.
 */
final class ConfigNode {

  /** Where a value is written; values without a line of their own (merged, from the environment) take their parent's. */
  record Location(String file, int line) {
  }

  private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{\\??[^}]*}");

  private final ConfigObject object;
  /** The same object before substitutions were resolved: where each key is written (see {@link #locationOf}). */
  private final ConfigObject written;
  private final String path;
  private final Location location;
  private final List<ConfigProblem> problems;
  private final Set<String> known = new LinkedHashSet<>();

  private ConfigNode(ConfigObject object, ConfigObject written, String path, Location location,
      List<ConfigProblem> problems) {
    this.object = object;
    this.written = written;
    this.path = path;
    this.location = location;
    this.problems = problems;
  }

  /**
   * The root of a file; its problems go into {@code problems}.
   *
   * @param resolved the file with its substitutions resolved: the values
   * @param written the file as parsed: the lines where keys are written
   */
  static ConfigNode root(ConfigObject resolved, ConfigObject written, String fileName, List<ConfigProblem> problems) {
    return new ConfigNode(resolved, written, "", locate(resolved.origin(), new Location(fileName, 1)), problems);
  }

  private ConfigNode child(String key, ConfigObject value) {
    ConfigValue writtenValue = written.get(key);
    ConfigObject writtenChild = writtenValue instanceof ConfigObject o ? o : ConfigFactory.empty().root();
    return new ConfigNode(value, writtenChild, path(key), locationOf(key), problems);
  }

  String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The key names written in this object, in no particular order. */
  Set<String> keys() {
    return object.keySet();
  }

  /** Reports a problem of the whole object, at its line. */
  void problem(String message) {
    problems.add(new ConfigProblem(location.file(), location.line(), path, message));
  }

  /** Reports a problem of one key, at the key's line (or the object's when the key is missing). */
  void problem(String key, String message) {
    Location at = locationOf(key);
    problems.add(new ConfigProblem(at.file(), at.line(), path(key), message));
  }

  /** True when the key is written with a value other than {@code null}. */
  boolean has(String key) {
    ConfigValue value = object.get(key);
    return value != null && (!isResolved(value) || value.valueType() != ConfigValueType.NULL);
  }

  Optional<ConfigNode> object(String key) {
    return present(key).flatMap(value -> {
      if (value.valueType() != ConfigValueType.OBJECT) {
        problem(key, "expected an object, found " + describe(value));
        return Optional.empty();
      }
      return Optional.of(child(key, (ConfigObject) value));
    });
  }

  /** The object at {@code key}, or an empty one when it is not written (so that its defaults apply). */
  ConfigNode objectOrEmpty(String key) {
    return object(key).orElseGet(() -> new ConfigNode(
        ConfigFactory.empty().root(), ConfigFactory.empty().root(), path(key), location, problems));
  }

  Optional<String> string(String key) {
    return convert(key, "a string", c -> c.getString("v"));
  }

  String string(String key, String defaultValue) {
    return string(key).orElse(defaultValue);
  }

  /** A required string; reports it missing and returns empty when it is not written. */
  Optional<String> requiredString(String key) {
    Optional<String> value = string(key);
    if (value.isEmpty()) {
      reportIfMissing(key);
    }
    return value;
  }

  Optional<Secret> secret(String key) {
    return string(key).map(Secret::new);
  }

  /**
   * A secret written at {@code key}, or read from the file named at {@code fileKey} (at most one of
   * them), so that a Kubernetes Secret mounted as a file needs no environment variable. The file is read
   * now, as UTF-8, with its trailing line breaks removed (what {@code echo} and most editors add); a
   * file that cannot be read, or holds nothing, is a problem of {@code fileKey}. Problems name the file,
   * never its content.
   */
  Optional<Secret> secretOrFile(String key, String fileKey) {
    Optional<Secret> inline = secret(key);
    Optional<String> file = string(fileKey);
    if (file.isEmpty()) {
      return inline;
    }
    if (inline.isPresent()) {
      problem(fileKey, "set " + key + " or " + fileKey + ", not both");
      return inline;
    }
    Path path = Path.of(file.get());
    try {
      String content = SecretFiles.read(path);
      if (content.isEmpty()) {
        problem(fileKey, "'" + path + "' is empty");
        return Optional.empty();
      }
      return Optional.of(new Secret(content));
    } catch (SecretFiles.UnreadableException e) {
      problem(fileKey, "cannot read '" + path + "': " + e.getMessage());
      return Optional.empty();
    }
  }

  boolean bool(String key, boolean defaultValue) {
    return convert(key, "a boolean (true or false)", c -> c.getBoolean("v")).orElse(defaultValue);
  }

  /**
   * A whole number between {@code min} and {@code max}; HOCON's string-to-number conversion applies, so
   * {@code ${?PORT}} works.
   */
  long wholeNumber(String key, long defaultValue, long min, long max) {
    Optional<Number> number = convert(key, "a whole number", c -> c.getNumber("v"));
    if (number.isEmpty()) {
      return defaultValue;
    }
    Number n = number.get();
    if (n instanceof Double) {
      problem(key, "expected a whole number, found a fraction");
      return defaultValue;
    }
    if (n.longValue() < min || n.longValue() > max) {
      problem(key, "must be between " + min + " and " + max + ", found " + n);
      return defaultValue;
    }
    return n.longValue();
  }

  Duration duration(String key, Duration defaultValue) {
    return convert(key, "a duration such as 200ms, 30s or 5m", c -> c.getDuration("v")).orElse(defaultValue);
  }

  long bytes(String key, long defaultValue) {
    return convert(key, "a size such as 64MiB or 1048576", c -> c.getBytes("v")).orElse(defaultValue);
  }

  Optional<List<String>> stringList(String key) {
    return convert(key, "a list of strings", c -> c.getStringList("v"));
  }

  /**
   * A list of strings, or one string of comma-separated items: lets {@code servers = ${?NATS_URL}} take
   * the usual comma-separated environment variable.
   */
  Optional<List<String>> stringListOrCommaSeparated(String key) {
    ConfigValue value = object.get(key);
    if (value != null && isResolved(value) && value.valueType() == ConfigValueType.STRING) {
      return string(key).map(text -> Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }
    return stringList(key);
  }

  /**
   * One of the constants of {@code type}, written in lower case with {@code -} for {@code _}; the message shows
   * the value found.
   */
  <E extends Enum<E>> E choice(String key, E defaultValue) {
    Optional<String> written = string(key);
    if (written.isEmpty()) {
      return defaultValue;
    }
    E[] constants = defaultValue.getDeclaringClass().getEnumConstants();
    for (E constant : constants) {
      if (nameOf(constant).equals(written.get())) {
        return constant;
      }
    }
    problem(key, "expected one of " + Arrays.stream(constants).map(ConfigNode::nameOf)
        .collect(Collectors.joining(", ")) + ", found '" + written.get() + "'");
    return defaultValue;
  }

  private static String nameOf(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Client properties under {@code key}: nested objects are flattened with {@code .}, so that
   * {@code "sasl.mechanism" = PLAIN} and {@code sasl.mechanism = PLAIN} both give {@code sasl.mechanism};
   * numbers and booleans become strings, a list of them a comma-separated string (as Kafka reads lists).
   * Values are never shown in a problem: they hold secrets such as {@code sasl.jaas.config}.
   */
  Map<String, String> properties(String key, String prefix) {
    Map<String, String> properties = new TreeMap<>();
    object(key).ifPresent(node -> node.flattenInto(prefix, properties));
    return properties;
  }

  private void flattenInto(String prefix, Map<String, String> properties) {
    for (String key : new TreeMap<>(object).keySet()) {
      ConfigValue value = object.get(key);
      String name = prefix + key;
      if (!isResolved(value)) {
        problem(key, unresolved(value));
      } else if (value.valueType() == ConfigValueType.OBJECT) {
        child(key, (ConfigObject) value).flattenInto(name + ".", properties);
      } else {
        propertyValue(key, value).ifPresent(text -> {
          if (properties.putIfAbsent(name, text) != null) {
            problem(key, "property '" + name + "' is set twice (quoted and as a path)");
          }
        });
      }
    }
  }

  private Optional<String> propertyValue(String key, ConfigValue value) {
    if (value.valueType() == ConfigValueType.LIST) {
      List<String> items = new ArrayList<>();
      for (ConfigValue item : (ConfigList) value) {
        if (!isResolved(item) || !isScalar(item)) {
          problem(key, "a property list may hold strings, numbers and booleans only");
          return Optional.empty();
        }
        items.add(String.valueOf(item.unwrapped()));
      }
      return Optional.of(String.join(",", items));
    }
    if (!isScalar(value)) {
      problem(key, "expected a string, number, boolean or list of them, found " + describe(value));
      return Optional.empty();
    }
    return Optional.of(String.valueOf(value.unwrapped()));
  }

  private static boolean isScalar(ConfigValue value) {
    return switch (value.valueType()) {
      case STRING, NUMBER, BOOLEAN -> true;
      default -> false;
    };
  }

  /** Reports every key that no getter asked for, with the known keys and a spelling hint. */
  void rejectUnknownKeys() {
    for (String key : new TreeMap<>(object).keySet()) {
      if (!known.contains(key)) {
        String hint = closestKnown(key).map(k -> " (did you mean '" + k + "'?)").orElse("");
        problem(key, "unknown key '" + key + "'" + hint + "; known keys: " + String.join(", ", known));
      }
    }
  }

  private Optional<String> closestKnown(String key) {
    String best = null;
    int bestDistance = Math.max(1, Math.min(2, key.length() / 3)) + 1;
    for (String candidate : known) {
      int distance = editDistance(key, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Damerau (optimal string alignment) distance, so that a swapped pair such as topcis/topics counts as one edit. */
  private static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** Converts through HOCON's own getters (so its conversions apply); a failure names the expected type, never the value. */
  private <T> Optional<T> convert(String key, String expected, Function<Config, T> getter) {
    return present(key).flatMap(value -> {
      try {
        return Optional.of(getter.apply(value.atKey("v")));
      } catch (com.typesafe.config.ConfigException e) {
        problem(key, "expected " + expected + ", found " + describe(value));
        return Optional.empty();
      }
    });
  }

  /** The value of {@code key} when it is written and not {@code null}; an unresolved substitution is reported. */
  private Optional<ConfigValue> present(String key) {
    known.add(key);
    ConfigValue value = object.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!isResolved(value)) {
      problem(key, unresolved(value));
      return Optional.empty();
    }
    return value.valueType() == ConfigValueType.NULL ? Optional.empty() : Optional.of(value);
  }

  /** Reports {@code key} as missing unless it is written but unresolved (which is already reported). */
  void reportIfMissing(String key) {
    ConfigValue value = object.get(key);
    if (value == null || (isResolved(value) && value.valueType() == ConfigValueType.NULL)) {
      problem(key, "missing (required)");
    }
  }

  /**
   * The file is resolved with unresolved substitutions allowed, so that every one of them is reported
   * at its own line instead of the first one ending the check; such values refuse {@code valueType()}.
   */
  private static boolean isResolved(ConfigValue value) {
    try {
      value.valueType();
      return true;
    } catch (com.typesafe.config.ConfigException.NotResolved e) {
      return false;
    }
  }

  /** Names only the substitutions: literal parts of a concatenation may be secrets. */
  private static String unresolved(ConfigValue value) {
    Matcher m = SUBSTITUTION.matcher(value.render());
    List<String> substitutions = new ArrayList<>();
    while (m.find()) {
      substitutions.add(m.group());
    }
    return "could not resolve substitution " + String.join(", ", substitutions)
        + " (neither set in the file nor in the environment; ${?NAME} makes it optional)";
  }

  private static String describe(ConfigValue value) {
    return switch (value.valueType()) {
      case OBJECT -> "an object";
      case LIST -> "a list";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case STRING -> "a string";
    };
  }

  /**
   * The line where the key is written. A substituted value keeps the origin of what it was taken from
   * (another key, or the environment, which has no line), so the unresolved file is asked first.
   */
  private Location locationOf(String key) {
    ConfigValue writtenValue = written.get(key);
    ConfigValue value = object.get(key);
    Location fallback = value == null ? location : locate(value.origin(), location);
    return writtenValue == null ? fallback : locate(writtenValue.origin(), fallback);
  }

  private static Location locate(ConfigOrigin origin, Location fallback) {
    if (origin == null || origin.lineNumber() < 1) {
      return fallback;
    }
    // Values parsed from a string have no file name; they belong to the fallback's file.
    return new Location(origin.filename() != null ? origin.filename() : fallback.file(), origin.lineNumber());
  }
}
