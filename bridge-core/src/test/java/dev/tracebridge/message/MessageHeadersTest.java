package dev.tracebridge.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageHeadersTest {

  private static Header h(String name, String value) {
    return new Header(name, value.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void headersBuiltOnceNeverChangeWhenTheBuilderGoesOn() {
    MessageHeaders start = MessageHeaders.of(List.of(h("a", "1"), h("b", "2")));
    MessageHeaders.Builder builder = start.toBuilder().add(h("c", "3"));
    MessageHeaders first = builder.build();

    MessageHeaders second = builder.remove("a").add(h("d", "4")).build();

    assertEquals(List.of(h("a", "1"), h("b", "2"), h("c", "3")), first.asList());
    assertEquals(List.of(h("b", "2"), h("c", "3"), h("d", "4")), second.asList());
    assertEquals(List.of(h("a", "1"), h("b", "2")), start.asList());
    assertThrows(UnsupportedOperationException.class, () -> first.asList().add(h("e", "5")));
  }
}
