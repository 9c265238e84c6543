package dev.tracebridge.message;

import java.util.Arrays;
import java.util.Objects;

/**
 * One header as Kafka models it: a case-sensitive name and a value of raw bytes that may be null.
 * This is the bridge's neutral header model; NATS endpoints translate to and from it
 * (see {@code dev.tracebridge.nats.NatsHeaderCodec}).
 */
public record Header(String name, byte[] value) {

  public Header {
    Objects.requireNonNull(name, "name");
  }

  public static Header ofString(String name, String value) {
    return new Header(name, value == null ? null : value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The value decoded as UTF-8, or null when the value is null. */
  public String valueAsString() {
    return value == null ? null : new String(value, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Header h && name.equals(h.name) && Arrays.equals(value, h.value);
  }

  @Override
  public int hashCode() {
    return 31 * name.hashCode() + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return name + "=" + (value == null ? "null" : valueAsString());
  }
}
