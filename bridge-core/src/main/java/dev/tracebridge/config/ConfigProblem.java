package dev.tracebridge.config;

/**
 * One mistake in a configuration file: where it is (file, line, key path) and what is wrong. Its
 * {@link #toString()} is the line {@code bridge validate} prints.
 *
 * @param file the file that holds the mistake (an included file when the key comes from one)
 * @param line the line of the key, or of the enclosing object when the key is missing
 * @param path the full key path ({@code bridge.routes.orders.to.kafka.topic}); empty for mistakes
 *     of the file as a whole, such as a syntax error
 * @param message what is wrong; never a property value or a secret
 */
public record ConfigProblem(String file, int line, String path, String message) {

  /** {@code FILE:LINE: path.to.key: message}, or {@code FILE:LINE: message} when no key is concerned. */
  @Override
  public String toString() {
    return path.isEmpty()
        ? file + ":" + line + ": " + message
        : file + ":" + line + ": " + path + ": " + message;
  }
}
