package dev.tracebridge.nats;

import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Translates between the bridge's neutral headers (Kafka's model: case-sensitive names, {@code byte[]}
 * values that may be null, repeated names) and jnats {@link Headers} (ASCII names and values, which NATS
 * receivers trim), losslessly in a round trip.
 *
 * <h2>Encoding</h2>
 * <ul>
 *   <li><b>Values</b> that NATS carries exactly go as they are: every byte printable ASCII
 *       ({@code 0x20}–{@code 0x7E}), no leading or trailing space, and not starting with
 *       {@value #VALUE_PREFIX}. The empty value goes as the empty value.
 *   <li>A <b>null value</b> goes as {@value #NULL_VALUE}.
 *   <li><b>Any other value</b> (binary, non-ASCII such as UTF-8 text, control characters including tab,
 *       leading or trailing spaces, or a value that itself starts with {@value #VALUE_PREFIX}) goes as
 *       {@value #BASE64_VALUE_PREFIX} followed by the standard Base64 (RFC 4648 §4, with padding) of its bytes.
 *   <li>A <b>name</b> NATS forbids (empty, any character outside printable ASCII {@code 33}–{@code 126}, or
 *       containing {@code :}) or a name that starts with {@value #NAME_PREFIX} goes as {@value #NAME_PREFIX}
 *       followed by the Base64url (RFC 4648 §5, without padding) of its UTF-8 bytes.
 * </ul>
 * Decoding reverses each rule. A value or name that merely looks encoded but does not decode (for
 * example a malformed Base64 written by another NATS client) is taken as it is.
 *
 * <h2>Order</h2>
 * The values of one name keep their order both ways. The order <em>across</em> names is lost: NATS
 * headers are a map from name to values, so decoding yields the names in the order jnats gives them,
 * each name's values together. ({@link #encodeForPublish} writes the lines in the neutral order, but a
 * receiver's client reads them into such a map.)
 *
 * <h2>Scope</h2>
 * The codec carries whatever it is given. Keeping Kafka headers out of the NATS-reserved {@code Nats-}
 * namespace is the mapping stage's business, not this class's.
 */
public final class NatsHeaderCodec {

  /** The prefix of every value this codec rewrites; a source value starting with it is itself rewritten. */
  public static final String VALUE_PREFIX = "~bridge:";
  public static final String NULL_VALUE = VALUE_PREFIX + "null";
  public static final String BASE64_VALUE_PREFIX = VALUE_PREFIX + "b64:";
  public static final String NAME_PREFIX = "bridge-hdr-b64-";

  private static final byte[] NULL_VALUE_BYTES = NULL_VALUE.getBytes(StandardCharsets.US_ASCII);
  private static final Base64.Encoder NAME_ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder NAME_DECODER = Base64.getUrlDecoder();

  private NatsHeaderCodec() {
  }

  /**
   * Neutral headers to a new, writable jnats {@link Headers} built through jnats's own API; never throws for any
   * name or value. The sinks publish with {@link #encodeForPublish}; this form is the reference the tests hold
   * it against.
   */
  static Headers encode(MessageHeaders headers) {
    Headers nats = new Headers();
    for (Header header : headers) {
      nats.add(encodeName(header.name()), encodeValue(header.value()));
    }
    return nats;
  }

  /** jnats headers (null when the message had none) to neutral headers. */
  public static MessageHeaders decode(Headers nats) {
    if (nats == null || nats.isEmpty()) {
      return MessageHeaders.empty();
    }
    ArrayList<Header> out = new ArrayList<>(nats.size());
    for (Map.Entry<String, List<String>> entry : nats.entrySet()) {
      String name = decodeName(entry.getKey());
      for (String value : entry.getValue()) {
        out.add(new Header(name, decodeValue(value)));
      }
    }
    return MessageHeaders.handOver(out);
  }

  static String encodeName(String name) {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    return isCarriedAsItIs(utf8) ? name : NAME_PREFIX + NAME_ENCODER.encodeToString(utf8);
  }

  /**
   * The name's bytes as NATS carries them; printable ASCII. Works on the UTF-8 bytes, not on the characters:
   * a name in ASCII is one array copy, checked byte by byte, and any other character makes bytes outside
   * printable ASCII, which the check refuses, so that the name is encoded.
   */
  static byte[] encodeNameBytes(String name) {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    return isCarriedAsItIs(utf8) ? utf8
        : (NAME_PREFIX + NAME_ENCODER.encodeToString(utf8)).getBytes(StandardCharsets.US_ASCII);
  }

  private static boolean isCarriedAsItIs(byte[] utf8Name) {
    return isNatsSafeName(utf8Name) && !startsWith(utf8Name, NAME_PREFIX);
  }

  static String decodeName(String name) {
    if (!name.startsWith(NAME_PREFIX)) {
      return name;
    }
    try {
      return new String(NAME_DECODER.decode(name.substring(NAME_PREFIX.length())), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notOurs) {
      return name;
    }
  }

  static String encodeValue(byte[] value) {
    return new String(encodeValueBytes(value), StandardCharsets.US_ASCII);
  }

  /** The value's bytes as NATS carries them (the array itself when it needs no encoding); printable ASCII. */
  static byte[] encodeValueBytes(byte[] value) {
    if (value == null) {
      return NULL_VALUE_BYTES;
    }
    if (isNatsSafeValue(value)) {
      return value;
    }
    return (BASE64_VALUE_PREFIX + Base64.getEncoder().encodeToString(value)).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Neutral headers, and {@code messageIdName: messageId} unless the id is null, as the headers of a core NATS
   * publish: written once into the bytes NATS carries ({@link EncodedHeaders}). The id goes as it is, so it must
   * be a valid NATS header value (US-ASCII, no CR or LF), as jnats requires.
   *
   * @throws IllegalArgumentException for an id NATS cannot carry
   */
  public static Headers encodeForPublish(MessageHeaders headers, String messageIdName, String messageId) {
    if (messageId != null) {
      for (int i = 0; i < messageId.length(); i++) {
        char c = messageId.charAt(i);
        if (c > 127 || c == '\r' || c == '\n') {
          throw new IllegalArgumentException(messageIdName + " has a character NATS headers cannot carry: 0x"
              + Integer.toHexString(c));
        }
      }
    }
    return EncodedHeaders.of(headers, messageIdName, messageId);
  }

  static byte[] decodeValue(String value) {
    if (value.equals(NULL_VALUE)) {
      return null;
    }
    if (value.startsWith(BASE64_VALUE_PREFIX)) {
      try {
        return Base64.getDecoder().decode(value.substring(BASE64_VALUE_PREFIX.length()));
      } catch (IllegalArgumentException notOurs) {
        // fall through: another publisher's value that only looks like ours
      }
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean isNatsSafeName(byte[] name) {
    if (name.length == 0) {
      return false;
    }
    for (byte b : name) {
      if (b < 33 || b > 126 || b == ':') {
        return false;
      }
    }
    return true;
  }

  private static boolean isNatsSafeValue(byte[] value) {
    if (value.length == 0) {
      return true;
    }
    // NATS receivers trim surrounding whitespace, so a space at either end would not survive.
    if (value[0] == ' ' || value[value.length - 1] == ' ') {
      return false;
    }
    for (byte b : value) {
      if (b < 0x20 || b > 0x7E) {
        return false;
      }
    }
    return !startsWith(value, VALUE_PREFIX);
  }

  private static boolean startsWith(byte[] value, String prefix) {
    if (value.length < prefix.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (value[i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
