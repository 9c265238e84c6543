package dev.tracebridge.nats;

import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A message's headers written once, in one pass, in the bytes NATS carries ({@code NATS/1.0}, then a
 * {@code name:value} line per header, then an empty line), and handed to jnats as its own header type.
 *
 * <p>Why: built the usual way, a jnats {@link Headers} checks every character of every name and value again
 * (after {@link NatsHeaderCodec} has chosen an encoding that NATS carries), fills a map of lists and a map of
 * lengths, and is then copied once more when jnats freezes it for the publish. That was about a fifth of the
 * route thread's time on a Kafka → NATS core relay (issue 7, round 3, in the README). This class says it is
 * read-only (so jnats does not copy it) and serializes from its bytes, which is all that jnats's core publish
 * path asks of headers ({@code isEmpty}, {@code isReadOnly}, {@code serializedLength},
 * {@code serializeToArray}); the relay tests on a real server check every header byte for byte. Anything that
 * reads it as a map is answered by an ordinary {@link Headers} made from the same names and values on first
 * use; nothing may change it.
 *
 * <p>Only for publishes that hand the headers to jnats as they are: {@link io.nats.client.Connection#publish},
 * {@link io.nats.client.Connection#requestWithTimeout}, and a JetStream publish without {@code PublishOptions}
 * (with options, jnats copies the headers' internal map, which this class leaves empty, to add them; the
 * JetStream sink therefore writes the message id as a header).
 *
 * <p>Unlike a jnats {@code Headers}, the lines keep the order of the neutral headers across names too; the
 * values of one name keep their order either way.
 */
final class EncodedHeaders extends Headers {

  private static final byte[] VERSION_LINE = "NATS/1.0\r\n".getBytes(StandardCharsets.US_ASCII);

  private final byte[][] names;
  private final byte[][] values;
  private final byte[] serialized;
  /** The same headers as a plain jnats map, made only when something reads them as one. */
  private Headers asMap;

  private EncodedHeaders(byte[][] names, byte[][] values, int count) {
    this.names = names;
    this.values = values;
    int length = VERSION_LINE.length + 2;
    for (int i = 0; i < count; i++) {
      length += names[i].length + 1 + values[i].length + 2;
    }
    byte[] out = new byte[length];
    System.arraycopy(VERSION_LINE, 0, out, 0, VERSION_LINE.length);
    int at = VERSION_LINE.length;
    for (int i = 0; i < count; i++) {
      System.arraycopy(names[i], 0, out, at, names[i].length);
      at += names[i].length;
      out[at++] = ':';
      System.arraycopy(values[i], 0, out, at, values[i].length);
      at += values[i].length;
      out[at++] = '\r';
      out[at++] = '\n';
    }
    out[at++] = '\r';
    out[at] = '\n';
    this.serialized = out;
  }

  /**
   * Encodes the neutral headers with {@link NatsHeaderCodec}'s rules, plus {@code messageIdName: messageId}
   * as it is when {@code messageId} is not null (the caller checked that NATS can carry it).
   */
  static EncodedHeaders of(MessageHeaders headers, String messageIdName, String messageId) {
    int count = headers.size() + (messageId == null ? 0 : 1);
    byte[][] names = new byte[count][];
    byte[][] values = new byte[count][];
    int i = 0;
    for (Header header : headers) {
      names[i] = NatsHeaderCodec.encodeNameBytes(header.name());
      values[i] = NatsHeaderCodec.encodeValueBytes(header.value());
      i++;
    }
    if (messageId != null) {
      names[i] = messageIdName.getBytes(StandardCharsets.US_ASCII);
      values[i] = messageId.getBytes(StandardCharsets.US_ASCII); // checked by NatsHeaderCodec.encodeForPublish
    }
    return new EncodedHeaders(names, values, count);
  }

  // ---- what jnats's publish path uses ----

  @Override
  public boolean isEmpty() {
    return names.length == 0;
  }

  @Override
  public boolean isReadOnly() {
    return true;
  }

  @Override
  public boolean isDirty() {
    return false;
  }

  @Override
  public int serializedLength() {
    return serialized.length;
  }

  @Override
  public byte[] getSerialized() {
    return serialized;
  }

  @Override
  public int serializeToArray(int destPosition, byte[] dest) {
    System.arraycopy(serialized, 0, dest, destPosition, serialized.length);
    return serialized.length;
  }

  // ---- reading it as a map: answered by a plain jnats Headers of the same lines ----

  private Headers asMap() {
    if (asMap == null) {
      Headers map = new Headers();
      for (int i = 0; i < names.length; i++) {
        map.add(new String(names[i], StandardCharsets.US_ASCII), new String(values[i], StandardCharsets.US_ASCII));
      }
      asMap = new Headers(map, true, null);
    }
    return asMap;
  }

  @Override
  public int size() {
    return asMap().size();
  }

  @Override
  public boolean containsKey(String key) {
    return asMap().containsKey(key);
  }

  @Override
  public boolean containsKeyIgnoreCase(String key) {
    return asMap().containsKeyIgnoreCase(key);
  }

  @Override
  public Set<String> keySet() {
    return asMap().keySet();
  }

  @Override
  public Set<String> keySetIgnoreCase() {
    return asMap().keySetIgnoreCase();
  }

  @Override
  public List<String> get(String key) {
    return asMap().get(key);
  }

  @Override
  public String getFirst(String key) {
    return asMap().getFirst(key);
  }

  @Override
  public String getLast(String key) {
    return asMap().getLast(key);
  }

  @Override
  public List<String> getIgnoreCase(String key) {
    return asMap().getIgnoreCase(key);
  }

  @Override
  public void forEach(BiConsumer<String, List<String>> action) {
    asMap().forEach(action);
  }

  @Override
  public Set<Map.Entry<String, List<String>>> entrySet() {
    return asMap().entrySet();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Headers h && asMap().equals(h instanceof EncodedHeaders e ? e.asMap() : h);
  }

  @Override
  public int hashCode() {
    return asMap().hashCode();
  }

  @Override
  public String toString() {
    return asMap().toString();
  }

  // ---- never changed ----

  @Override
  public Headers add(String key, String... values) {
    throw new UnsupportedOperationException("encoded headers are read-only");
  }

  @Override
  public Headers add(String key, Collection<String> values) {
    throw new UnsupportedOperationException("encoded headers are read-only");
  }

  @Override
  public Headers put(String key, String... values) {
    throw new UnsupportedOperationException("encoded headers are read-only");
  }

  @Override
  public Headers put(String key, Collection<String> values) {
    throw new UnsupportedOperationException("encoded headers are read-only");
  }

  @Override
  public Headers put(Map<String, List<String>> map) {
    throw new UnsupportedOperationException("encoded headers are read-only");
  }

  @Override
  public void remove(String... keys) {
    throw new UnsupportedOperationException("encoded headers are read-only");
  }

  @Override
  public void remove(Collection<String> keys) {
    throw new UnsupportedOperationException("encoded headers are read-only");
  }

  @Override
  public void clear() {
    throw new UnsupportedOperationException("encoded headers are read-only");
  }
}
