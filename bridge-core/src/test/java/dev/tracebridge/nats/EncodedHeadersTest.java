package dev.tracebridge.nats;

import static dev.tracebridge.nats.TestMessages.assertSameHeaders;
import static dev.tracebridge.nats.TestMessages.awkwardHeaders;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import io.nats.client.impl.Headers;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EncodedHeadersTest {

  private static Set<String> lines(byte[] serialized) {
    return new HashSet<>(Arrays.asList(new String(serialized, StandardCharsets.US_ASCII).split("\r\n")));
  }

  @Test
  void writesTheLinesJnatsWouldWriteForTheSameHeaders() {
    MessageHeaders headers = awkwardHeaders();
    Headers ours = NatsHeaderCodec.encodeForPublish(headers, NatsSink.MSG_ID_HEADER, "id-7");
    Headers jnats = NatsHeaderCodec.encode(headers);
    jnats.put(NatsSink.MSG_ID_HEADER, "id-7");

    assertEquals(jnats.serializedLength(), ours.serializedLength());
    byte[] written = new byte[ours.serializedLength() + 3];
    assertEquals(ours.serializedLength(), ours.serializeToArray(3, written));
    byte[] serialized = Arrays.copyOfRange(written, 3, written.length);
    assertArrayEquals(ours.getSerialized(), serialized);
    // jnats groups the lines by name in its map's order; the lines themselves are the same
    assertEquals(lines(jnats.getSerialized()), lines(serialized));
    assertTrue(new String(serialized, StandardCharsets.US_ASCII).startsWith("NATS/1.0\r\n"));
    assertTrue(new String(serialized, StandardCharsets.US_ASCII).endsWith("\r\n\r\n"));
  }

  @Test
  void keepsTheOrderOfTheNeutralHeadersAcrossNames() {
    MessageHeaders headers = MessageHeaders.of(List.of(Header.ofString("b", "1"), Header.ofString("a", "2"),
        Header.ofString("b", "3")));
    assertEquals("NATS/1.0\r\nb:1\r\na:2\r\nb:3\r\n\r\n",
        new String(NatsHeaderCodec.encodeForPublish(headers, "Nats-Msg-Id", null).getSerialized(),
            StandardCharsets.US_ASCII));
  }

  @Test
  void readAsAMapItDecodesToTheSameNeutralHeaders() {
    Headers ours = NatsHeaderCodec.encodeForPublish(awkwardHeaders(), NatsSink.MSG_ID_HEADER, null);
    assertSameHeaders(awkwardHeaders(), NatsHeaderCodec.decode(ours));
    assertEquals(NatsHeaderCodec.encode(awkwardHeaders()).entrySet(), ours.entrySet());
    assertTrue(ours.isReadOnly(), "jnats copies headers that are not read-only before a publish");
  }

  @Test
  void noHeadersIsEmptyAndAnIdNatsCannotCarryIsRefused() {
    assertTrue(NatsHeaderCodec.encodeForPublish(MessageHeaders.empty(), NatsSink.MSG_ID_HEADER, null).isEmpty());
    assertThrows(IllegalArgumentException.class,
        () -> NatsHeaderCodec.encodeForPublish(MessageHeaders.empty(), NatsSink.MSG_ID_HEADER, "two\r\nlines"));
  }

  @Test
  void nothingChangesIt() {
    Headers ours = NatsHeaderCodec.encodeForPublish(awkwardHeaders(), NatsSink.MSG_ID_HEADER, null);
    assertThrows(UnsupportedOperationException.class, () -> ours.add("x", "y"));
    assertThrows(UnsupportedOperationException.class, () -> ours.put("x", "y"));
    assertThrows(UnsupportedOperationException.class, () -> ours.remove("plain"));
    assertThrows(UnsupportedOperationException.class, ours::clear);
  }
}
