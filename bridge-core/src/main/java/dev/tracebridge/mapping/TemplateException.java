package dev.tracebridge.mapping;

/** A template could not be filled for one message (no key, no such header, subject too short...). */
public final class TemplateException extends Exception {
  public TemplateException(String message) {
    super(message);
  }
}
