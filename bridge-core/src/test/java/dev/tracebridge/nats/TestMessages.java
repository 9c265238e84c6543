package dev.tracebridge.nats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Headers that NATS cannot carry as they are, and the comparison a lossless relay must pass. */
final class TestMessages {

  private TestMessages() {
  }

  static MessageHeaders awkwardHeaders() {
    byte[] everyByte = new byte[256];
    for (int i = 0; i < everyByte.length; i++) {
      everyByte[i] = (byte) i;
    }
    return MessageHeaders.of(List.of(
        Header.ofString("plain", "value"),
        new Header("null-value", null),
        new Header("empty-value", new byte[0]),
        new Header("binary", everyByte),
        Header.ofString("spaces", "  padded value  "),
        Header.ofString("utf8", "héllo wörld"),
        Header.ofString("retry-count", "1"),
        Header.ofString("retry-count", "2"),
        new Header("retry-count", null),
        Header.ofString("retry-count", " 3 "),
        Header.ofString("name:with colon", "x"),
        Header.ofString("", "empty name"),
        Header.ofString("bridge-hdr-b64-looks-encoded", "~bridge:null"),
        Header.ofString("Case", "upper"),
        Header.ofString("case", "lower")));
  }

  /** Every name has the same values in the same order; order across names is not NATS's to keep. */
  static void assertSameHeaders(MessageHeaders expected, MessageHeaders actual) {
    assertEquals(expected.size(), actual.size(), () -> "expected " + expected + " but got " + actual);
    Set<String> names = new LinkedHashSet<>();
    expected.forEach(h -> names.add(h.name()));
    for (String name : names) {
      List<Header> want = expected.all(name);
      List<Header> got = actual.all(name);
      assertEquals(want.size(), got.size(), "values of " + name);
      for (int i = 0; i < want.size(); i++) {
        assertArrayEquals(want.get(i).value(), got.get(i).value(), name + "[" + i + "]");
      }
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
