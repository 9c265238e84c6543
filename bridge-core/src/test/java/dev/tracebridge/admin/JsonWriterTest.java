package dev.tracebridge.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class JsonWriterTest {

  @Test
  void nestsObjectsAndArraysWithCommasInTheRightPlaces() {
    String json = new JsonWriter().beginArray()
        .beginObject().name("a").value(1).name("b").beginArray().value(true).value(false).endArray()
        .name("c").beginObject().endObject().name("d").nullValue().endObject()
        .beginArray().endArray()
        .value(-9_223_372_036_854_775_808L)
        .endArray().toString();

    assertEquals("[{\"a\":1,\"b\":[true,false],\"c\":{},\"d\":null},[],-9223372036854775808]", json);
  }

  @Test
  void nullStringIsJsonNull() {
    assertEquals("{\"e\":null}", new JsonWriter().beginObject().name("e").value((String) null).endObject().toString());
  }

  @Test
  void escapesQuotesBackslashesAndControlCharacters() {
    String json = new JsonWriter().value("q\" b\\ n\n r\r t\t bs\b ff\f nul\u0000 us\u001f del\u007f").toString();

    assertEquals("\"q\\\" b\\\\ n\\n r\\r t\\t bs\\b ff\\f nul\\u0000 us\\u001f del\u007f\"", json);
  }

  @Test
  void escapesNamesLikeValues() {
    assertEquals("{\"a\\\"b\":1}", new JsonWriter().beginObject().name("a\"b").value(1).endObject().toString());
  }

  @Test
  void keepsNonAsciiTextAndEscapesWhatJavaScriptOrUtf8CannotCarry() {
    String json = new JsonWriter()
        .value("é 漢 \uD83D\uDE00 ls\u2028 ps\u2029 lone-high\uD800 lone-low\uDC00 end\uD83D").toString();

    assertEquals("\"é 漢 \uD83D\uDE00 ls\\u2028 ps\\u2029 lone-high\\ud800 lone-low\\udc00 end\\ud83d\"", json);
  }

  @Test
  void refusesWhatWouldNotBeJson() {
    assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().name("a").value(1).toString());
    assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().name("a").endObject());
    assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().value(1));
    assertThrows(IllegalStateException.class, () -> new JsonWriter().beginObject().name("a").name("b"));
    assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().name("a"));
    assertThrows(IllegalStateException.class, () -> new JsonWriter().beginArray().endObject());
    assertThrows(IllegalStateException.class, () -> new JsonWriter().endArray());
    assertThrows(IllegalStateException.class, () -> new JsonWriter().value(1).value(2));
  }
}
