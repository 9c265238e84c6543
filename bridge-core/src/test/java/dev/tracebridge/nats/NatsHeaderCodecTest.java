package dev.tracebridge.nats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NatsHeaderCodecTest {

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static MessageHeaders roundTrip(MessageHeaders headers) {
    return NatsHeaderCodec.decode(NatsHeaderCodec.encode(headers));
  }

  /** What a NATS receiver can see of a value: jnats accepts it and trimming does not change it. */
  private static void assertNatsCarriesExactly(String encoded) {
    new Headers().add("probe", encoded); // throws for characters jnats refuses
    assertEquals(encoded.strip(), encoded, "would be trimmed: [" + encoded + "]");
    for (char c : encoded.toCharArray()) {
      assertTrue(c >= 0x20 && c <= 0x7E, "not printable ASCII: " + (int) c);
    }
  }

  @Test
  void everySingleByteValueSurvivesAndIsCarriedExactly() {
    for (int b = 0; b < 256; b++) {
      byte[] value = {(byte) b};
      String encoded = NatsHeaderCodec.encodeValue(value);
      assertNatsCarriesExactly(encoded);
      assertArrayEquals(value, NatsHeaderCodec.decodeValue(encoded), "byte " + b);
      boolean printableNonSpace = b > 0x20 && b < 0x7F;
      assertEquals(printableNonSpace, encoded.equals(new String(value, StandardCharsets.ISO_8859_1)),
          "byte " + b + " encoded as " + encoded);
    }
  }

  @Test
  void everyByteValueInsideAValueSurvives() {
    for (int b = 0; b < 256; b++) {
      byte[] value = {'a', (byte) b, 'z'};
      String encoded = NatsHeaderCodec.encodeValue(value);
      assertNatsCarriesExactly(encoded);
      assertArrayEquals(value, NatsHeaderCodec.decodeValue(encoded), "byte " + b);
    }
  }

  @Test
  void allBytesAndRandomBinaryValuesSurvive() {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    Random random = new Random(42);
    List<Header> headers = new ArrayList<>();
    headers.add(new Header("all", all));
    for (int i = 0; i < 50; i++) {
      byte[] value = new byte[random.nextInt(40)];
      random.nextBytes(value);
      headers.add(new Header("random-" + i, value));
    }
    MessageHeaders decoded = roundTrip(MessageHeaders.of(headers));
    for (Header h : headers) {
      assertArrayEquals(h.value(), decoded.first(h.name()).orElseThrow().value(), h.name());
    }
  }

  @Test
  void nullAndEmptyStayDistinct() {
    assertEquals("~bridge:null", NatsHeaderCodec.encodeValue(null));
    assertEquals("", NatsHeaderCodec.encodeValue(new byte[0]));
    MessageHeaders decoded = roundTrip(MessageHeaders.of(List.of(new Header("n", null), new Header("e", new byte[0]))));
    assertNull(decoded.first("n").orElseThrow().value());
    assertArrayEquals(new byte[0], decoded.first("e").orElseThrow().value());
  }

  @Test
  void plainValuesGoAsTheyAre() {
    for (String v : List.of("abc", "a b c", "retry-count:3", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "~", "~bridge", "bridge:null", "x~bridge:null", "{\"json\": [1, 2]}")) {
      assertEquals(v, NatsHeaderCodec.encodeValue(ascii(v)));
      assertArrayEquals(ascii(v), NatsHeaderCodec.decodeValue(v));
    }
  }

  @Test
  void surroundingSpacesTabsAndNonAsciiAreBase64() {
    for (String v : List.of(" lead", "trail ", " ", "  ", "tab\tinside", "\ttab", "crlf\r\n", "héllo wörld", "日本")) {
      byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
      String encoded = NatsHeaderCodec.encodeValue(bytes);
      assertEquals("~bridge:b64:" + Base64.getEncoder().encodeToString(bytes), encoded);
      assertNatsCarriesExactly(encoded);
      assertArrayEquals(bytes, NatsHeaderCodec.decodeValue(encoded), v);
    }
  }

  @Test
  void valuesThatLookEncodedAreThemselvesEncoded() {
    for (String v : List.of("~bridge:null", "~bridge:b64:AAAA", "~bridge:", "~bridge:anything")) {
      String encoded = NatsHeaderCodec.encodeValue(ascii(v));
      assertEquals("~bridge:b64:" + Base64.getEncoder().encodeToString(ascii(v)), encoded);
      assertArrayEquals(ascii(v), NatsHeaderCodec.decodeValue(encoded), v);
    }
  }

  @Test
  void foreignValuesThatOnlyLookEncodedAreKept() {
    assertArrayEquals(ascii("~bridge:b64:not base64!"), NatsHeaderCodec.decodeValue("~bridge:b64:not base64!"));
    assertArrayEquals(ascii("~bridge:other"), NatsHeaderCodec.decodeValue("~bridge:other"));
    assertEquals("bridge-hdr-b64-***", NatsHeaderCodec.decodeName("bridge-hdr-b64-***"));
  }

  @Test
  void everyCharacterInANameSurvives() {
    for (char c = 0; c < 256; c++) {
      String name = "x" + c + "y";
      String encoded = NatsHeaderCodec.encodeName(name);
      new Headers().add(encoded, "v"); // jnats accepts every encoded name
      assertEquals(name, NatsHeaderCodec.decodeName(encoded), "char " + (int) c);
      boolean natsSafe = c >= 33 && c <= 126 && c != ':';
      assertEquals(natsSafe, encoded.equals(name), "char " + (int) c + " encoded as " + encoded);
    }
  }

  @Test
  void forbiddenNamesAreBase64Url() {
    assertEquals("bridge-hdr-b64-YTpi", NatsHeaderCodec.encodeName("a:b"));
    assertEquals("bridge-hdr-b64-", NatsHeaderCodec.encodeName(""));
    assertEquals("bridge-hdr-b64-aGFzIHNwYWNl", NatsHeaderCodec.encodeName("has space"));
    String unicode = "ключ/日本?";
    String encoded = NatsHeaderCodec.encodeName(unicode);
    assertEquals("bridge-hdr-b64-" + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(unicode.getBytes(StandardCharsets.UTF_8)), encoded);
    assertEquals(unicode, NatsHeaderCodec.decodeName(encoded));
    for (String name : List.of("", "a:b", ":", "has space", unicode)) {
      assertEquals(name, NatsHeaderCodec.decodeName(NatsHeaderCodec.encodeName(name)));
    }
  }

  @Test
  void namesWithTheNamePrefixAreThemselvesEncoded() {
    for (String name : List.of("bridge-hdr-b64-", "bridge-hdr-b64-YTpi", "bridge-hdr-b64-x")) {
      String encoded = NatsHeaderCodec.encodeName(name);
      assertTrue(encoded.startsWith("bridge-hdr-b64-") && !encoded.equals(name));
      assertEquals(name, NatsHeaderCodec.decodeName(encoded));
    }
    assertEquals("Bridge-Hdr-B64-x", NatsHeaderCodec.encodeName("Bridge-Hdr-B64-x"), "the prefix is case-sensitive");
  }

  @Test
  void namesAreCaseSensitiveAndPlainNamesAsTheyAre() {
    MessageHeaders headers = MessageHeaders.of(List.of(
        Header.ofString("Retry-Count", "1"), Header.ofString("retry-count", "2"),
        Header.ofString("kafka_dlt-exception-message", "boom"), Header.ofString("Nats-Msg-Id", "carried")));
    Headers nats = NatsHeaderCodec.encode(headers);
    assertEquals(List.of("1"), nats.get("Retry-Count"));
    assertEquals(List.of("2"), nats.get("retry-count"));
    assertEquals(List.of("carried"), nats.get("Nats-Msg-Id"));
    MessageHeaders decoded = NatsHeaderCodec.decode(nats);
    assertEquals(4, decoded.size());
    for (Header h : headers) {
      assertEquals(List.of(h), decoded.all(h.name()));
    }
  }

  @Test
  void repeatedNamesKeepTheirValuesInOrder() {
    MessageHeaders headers = MessageHeaders.of(List.of(
        Header.ofString("a", "1"), Header.ofString("b", "x"), new Header("a", null), Header.ofString("a", " 3 "),
        new Header("a", new byte[0]), Header.ofString("a", "5")));
    MessageHeaders decoded = roundTrip(headers);
    assertEquals(headers.all("a"), decoded.all("a"));
    assertEquals(headers.all("b"), decoded.all("b"));
    assertEquals(headers.size(), decoded.size());
  }

  @Test
  void emptyOrMissingHeadersDecodeToEmpty() {
    assertTrue(NatsHeaderCodec.decode(null).isEmpty());
    assertTrue(NatsHeaderCodec.decode(new Headers()).isEmpty());
    assertTrue(NatsHeaderCodec.encode(MessageHeaders.empty()).isEmpty());
  }
}
