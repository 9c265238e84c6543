package dev.tracebridge.admin;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A minimal streaming JSON writer (RFC 8259) for the admin endpoints and the JSON log lines; the bridge
 * carries no JSON library.
 * It puts the commas and colons itself, so callers only say what comes next. Not thread-safe, one per response.
 */
public final class JsonWriter {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out = new StringBuilder();
  /** The objects and arrays open, innermost first. */
  private final Deque<Scope> scopes = new ArrayDeque<>();
  /** True between {@link #name} and the value that belongs to it, which then needs no comma. */
  private boolean afterName;

  private enum Scope {
    EMPTY_OBJECT, OBJECT, EMPTY_ARRAY, ARRAY
  }

  public JsonWriter beginObject() {
    return open('{', Scope.EMPTY_OBJECT);
  }

  public JsonWriter endObject() {
    return close('}', Scope.EMPTY_OBJECT, Scope.OBJECT);
  }

  public JsonWriter beginArray() {
    return open('[', Scope.EMPTY_ARRAY);
  }

  public JsonWriter endArray() {
    return close(']', Scope.EMPTY_ARRAY, Scope.ARRAY);
  }

  public JsonWriter name(String name) {
    Scope scope = scopes.peek();
    if (afterName || (scope != Scope.EMPTY_OBJECT && scope != Scope.OBJECT)) {
      throw new IllegalStateException("a name belongs directly inside an object");
    }
    separate();
    quote(name);
    out.append(':');
    afterName = true;
    return this;
  }

  /** Writes the string, or {@code null} when it is null. */
  public JsonWriter value(String value) {
    if (value == null) {
      return nullValue();
    }
    beforeValue();
    quote(value);
    return this;
  }

  public JsonWriter value(long value) {
    beforeValue();
    out.append(value);
    return this;
  }

  public JsonWriter value(boolean value) {
    beforeValue();
    out.append(value);
    return this;
  }

  public JsonWriter nullValue() {
    beforeValue();
    out.append("null");
    return this;
  }

  /** The document written so far; complete once every object and array opened has been closed. */
  @Override
  public String toString() {
    if (!scopes.isEmpty()) {
      throw new IllegalStateException("unclosed object or array");
    }
    return out.toString();
  }

  private JsonWriter open(char bracket, Scope scope) {
    beforeValue();
    out.append(bracket);
    scopes.push(scope);
    return this;
  }

  private JsonWriter close(char bracket, Scope empty, Scope nonEmpty) {
    Scope scope = scopes.peek();
    if (afterName || (scope != empty && scope != nonEmpty)) {
      throw new IllegalStateException("nothing to close with " + bracket);
    }
    scopes.pop();
    out.append(bracket);
    return this;
  }

  private void beforeValue() {
    Scope scope = scopes.peek();
    boolean secondDocument = scope == null && out.length() > 0;
    boolean unnamedMember = !afterName && (scope == Scope.EMPTY_OBJECT || scope == Scope.OBJECT);
    if (secondDocument || unnamedMember) {
      throw new IllegalStateException("a value needs a name inside an object, and a document holds one value");
    }
    separate();
  }

  /** Puts the comma before a name or value when it is not the first in its scope. */
  private void separate() {
    if (afterName) {
      afterName = false;
      return;
    }
    Scope scope = scopes.peek();
    if (scope == null) {
      return;
    }
    switch (scope) {
      case EMPTY_OBJECT, EMPTY_ARRAY -> {
        scopes.pop();
        scopes.push(scope == Scope.EMPTY_OBJECT ? Scope.OBJECT : Scope.ARRAY);
      }
      case OBJECT, ARRAY -> out.append(',');
    }
  }

  private void quote(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029' || isLoneSurrogate(s, i)) {
            // Control characters must be escaped; U+2028/9 break JavaScript consumers; a lone surrogate
            // has no UTF-8 form, so escaping it is the only way to keep the body valid UTF-8.
            unicodeEscape(c);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static boolean isLoneSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
    }
    if (Character.isLowSurrogate(c)) {
      return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
    }
    return false;
  }

  private void unicodeEscape(char c) {
    out.append("\\u")
        .append(HEX[(c >> 12) & 0xF])
        .append(HEX[(c >> 8) & 0xF])
        .append(HEX[(c >> 4) & 0xF])
        .append(HEX[c & 0xF]);
  }
}
