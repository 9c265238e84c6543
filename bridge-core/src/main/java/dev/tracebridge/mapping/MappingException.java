package dev.tracebridge.mapping;

/**
 * A message cannot be turned into one for its destination (a template cannot be filled, the filled
 * topic or subject is not valid). Such a message goes to the dead letter without retries, because
 * trying again cannot change the outcome.
 */
public final class MappingException extends Exception {
  public MappingException(String message) {
    super(message);
  }
}
