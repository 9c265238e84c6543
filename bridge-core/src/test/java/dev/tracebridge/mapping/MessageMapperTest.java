package dev.tracebridge.mapping;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.NamingRules;
import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SourcePosition;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageMapperTest {

  private static final SourcePosition.Kafka KAFKA_POS = new SourcePosition.Kafka("orders", 3, 1234, 1700000000000L);
  private static final SourcePosition.JetStream JS_POS =
      new SourcePosition.JetStream("events.eu.created", "EVENTS", 57, 1, 1700000000000L);

  private final MessageMapper mapper = new MessageMapper("r1", true);

  private static SinkConfig nats(String subject) {
    return new SinkConfig.Nats(Template.parse(subject));
  }

  private static SinkConfig jetStream(String subject) {
    return new SinkConfig.JetStream(Template.parse(subject));
  }

  private static SinkConfig kafka(String topic, String key) {
    return new SinkConfig.Kafka(Template.parse(topic), Optional.ofNullable(key).map(Template::parse), Map.of());
  }

  private static List<String> names(OutboundMessage m) {
    return m.headers().asList().stream().map(Header::name).toList();
  }

  @Test
  void kafkaToNatsAddsProvenanceKeepsHeadersAndFillsTemplate() throws Exception {
    MessageHeaders headers = MessageHeaders.builder()
        .add("retry-count", "2").add("x", new byte[] {0, (byte) 0xff}).add("x", (byte[]) null)
        .add(ProvenanceHeaders.KAFKA_TOPIC, "an-earlier-hop").build();
    BridgeMessage in = new BridgeMessage("v".getBytes(UTF_8), "k1".getBytes(UTF_8), headers, KAFKA_POS);

    OutboundMessage out = mapper.map(in, nats("orders.{key}.{partition}"));

    assertEquals("orders.k1.3", out.destination());
    assertArrayEquals("v".getBytes(UTF_8), out.payload());
    assertNull(out.key());
    assertNull(out.messageId(), "core NATS gets no Nats-Msg-Id of the bridge's own");
    assertEquals(List.of("retry-count", "x", "x", "bridge-kafka-topic", "bridge-kafka-partition", "bridge-kafka-offset",
        "bridge-kafka-timestamp", "bridge-kafka-key"), names(out));
    assertEquals(headers.all("x"), out.headers().all("x"));
    assertEquals("orders", out.headers().firstString(ProvenanceHeaders.KAFKA_TOPIC).orElseThrow());
    assertEquals("1234", out.headers().firstString(ProvenanceHeaders.KAFKA_OFFSET).orElseThrow());
    assertEquals("1700000000000", out.headers().firstString(ProvenanceHeaders.KAFKA_TIMESTAMP).orElseThrow());
  }

  @Test
  void tombstoneBecomesEmptyPayloadWithMarkAndComesBack() throws Exception {
    BridgeMessage tombstone = new BridgeMessage(null, "k".getBytes(UTF_8), MessageHeaders.empty(), KAFKA_POS);
    OutboundMessage toNats = mapper.map(tombstone, jetStream("t"));
    assertArrayEquals(new byte[0], toNats.payload());
    assertEquals("true", toNats.headers().firstString(ProvenanceHeaders.KAFKA_TOMBSTONE).orElseThrow());
    assertEquals("orders-3-1234", toNats.messageId());

    BridgeMessage fromNats = new BridgeMessage(toNats.payload(), null, toNats.headers(), JS_POS);
    OutboundMessage back = mapper.map(fromNats, kafka("orders-copy", null));
    assertNull(back.payload(), "empty payload marked as tombstone is a null value again");
    assertArrayEquals("k".getBytes(UTF_8), back.key(), "bridge-kafka-key becomes the record key");
    assertEquals(List.of("bridge-nats-subject", "bridge-nats-stream", "bridge-nats-sequence"), names(back),
        "the earlier hop's provenance is replaced, not piled up");
  }

  @Test
  void emptyValueStaysEmptyNotTombstone() throws Exception {
    BridgeMessage empty = new BridgeMessage(new byte[0], null, MessageHeaders.empty(), KAFKA_POS);
    OutboundMessage toNats = mapper.map(empty, nats("t"));
    assertTrue(toNats.headers().first(ProvenanceHeaders.KAFKA_TOMBSTONE).isEmpty());
    OutboundMessage back = mapper.map(new BridgeMessage(toNats.payload(), null, toNats.headers(), JS_POS), kafka("t", null));
    assertArrayEquals(new byte[0], back.payload());
    assertNull(back.key());
  }

  @Test
  void withoutProvenanceOnlyTheDataCarryingHeadersGoToNats() throws Exception {
    MessageMapper quiet = new MessageMapper("r1", false);
    BridgeMessage in = new BridgeMessage(null, "k".getBytes(UTF_8), MessageHeaders.empty(), KAFKA_POS);
    assertEquals(List.of("bridge-kafka-key", "bridge-kafka-tombstone"), names(quiet.map(in, nats("t"))));
    assertEquals(List.of(), names(quiet.map(in, kafka("t", null))));
  }

  @Test
  void natsReservedHeadersStayOutOfNatsAndMsgIdReplacesTheBridgesOwn() throws Exception {
    MessageHeaders headers = MessageHeaders.builder()
        .add("Nats-Msg-Id", "upstream-7").add("Nats-Expected-Stream", "X").add("keep", "1").build();
    OutboundMessage out = mapper.map(new BridgeMessage("p".getBytes(UTF_8), null, headers, KAFKA_POS), jetStream("t"));
    assertEquals("upstream-7", out.messageId());
    assertTrue(out.headers().asList().stream().noneMatch(h -> h.name().startsWith("Nats-")));
    assertEquals("1", out.headers().firstString("keep").orElseThrow());
  }

  @Test
  void keyTemplateAndSubjectTokens() throws Exception {
    BridgeMessage in = new BridgeMessage("p".getBytes(UTF_8), null, MessageHeaders.empty(), JS_POS);
    OutboundMessage out = mapper.map(in, kafka("events-{subject[1]}", "{subject[2]}-{route}"));
    assertEquals("events-eu", out.destination());
    assertArrayEquals("created-r1".getBytes(UTF_8), out.key());
  }

  @Test
  void templatesThatCannotBeFilledOrGiveInvalidNamesAreMappingErrors() {
    BridgeMessage noKey = new BridgeMessage("p".getBytes(UTF_8), null, MessageHeaders.empty(), KAFKA_POS);
    assertThrows(MappingException.class, () -> mapper.map(noKey, nats("orders.{key}")));
    BridgeMessage spacedKey = new BridgeMessage("p".getBytes(UTF_8), "a b".getBytes(UTF_8), MessageHeaders.empty(), KAFKA_POS);
    MappingException e = assertThrows(MappingException.class, () -> mapper.map(spacedKey, nats("orders.{key}")));
    assertTrue(e.getMessage().contains("orders.a b"), e.getMessage());
    assertThrows(MappingException.class, () -> mapper.map(spacedKey, kafka("t-{key}", null)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "*", ">", "a..b", "a.", "tab\tkey"})
  void aFilledSubjectTheServerWouldRefuseIsAMappingErrorByTheValidateRule(String key) {
    BridgeMessage in = new BridgeMessage("p".getBytes(UTF_8), key.getBytes(UTF_8), MessageHeaders.empty(), KAFKA_POS);
    String expected = NamingRules.publishedSubject("orders." + key).orElseThrow()
        + ", filled in from template 'orders.{key}'";
    assertEquals(expected, assertThrows(MappingException.class, () -> mapper.map(in, nats("orders.{key}"))).getMessage());
    assertEquals(expected,
        assertThrows(MappingException.class, () -> mapper.map(in, jetStream("orders.{key}"))).getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a b", "t/x", "é", ".", ".."})
  void aFilledTopicKafkaWouldRefuseIsAMappingErrorByTheValidateRule(String key) {
    BridgeMessage in = new BridgeMessage("p".getBytes(UTF_8), key.getBytes(UTF_8), MessageHeaders.empty(), JS_POS);
    MappingException e = assertThrows(MappingException.class, () -> mapper.map(in, kafka("{key}", null)));
    assertEquals(NamingRules.kafkaTopic(key).orElseThrow() + ", filled in from template '{key}'", e.getMessage());
  }

  @Test
  void aFilledTopicMayHave249CharactersNotMore() throws Exception {
    String longest = "t".repeat(249);
    BridgeMessage fits = new BridgeMessage("p".getBytes(UTF_8), longest.getBytes(UTF_8), MessageHeaders.empty(), KAFKA_POS);
    assertEquals(longest, mapper.map(fits, kafka("{key}", null)).destination());
    BridgeMessage tooLong =
        new BridgeMessage("p".getBytes(UTF_8), (longest + "t").getBytes(UTF_8), MessageHeaders.empty(), KAFKA_POS);
    assertThrows(MappingException.class, () -> mapper.map(tooLong, kafka("{key}", null)));
  }

  @Test
  void deadLetterKeepsPayloadAndHeadersAndSaysWhy() throws Exception {
    MessageHeaders headers = MessageHeaders.builder().add("retry-count", "2").build();
    BridgeMessage in = new BridgeMessage("p".getBytes(UTF_8), "k".getBytes(UTF_8), headers, KAFKA_POS);
    OutboundMessage dlq = mapper.deadLetter(in, kafka("orders.dlq", null), new IllegalStateException("boom"), 5);
    assertEquals("orders.dlq", dlq.destination());
    assertArrayEquals("p".getBytes(UTF_8), dlq.payload());
    assertArrayEquals("k".getBytes(UTF_8), dlq.key());
    MessageHeaders h = dlq.headers();
    assertEquals("2", h.firstString("retry-count").orElseThrow());
    assertEquals("boom", h.firstString("bridge-dlq-reason").orElseThrow());
    assertEquals("java.lang.IllegalStateException", h.firstString("bridge-dlq-error").orElseThrow());
    assertEquals("r1", h.firstString("bridge-dlq-route").orElseThrow());
    assertEquals("kafka://orders/3@1234", h.firstString("bridge-dlq-source").orElseThrow());
    assertEquals("5", h.firstString("bridge-dlq-attempts").orElseThrow());
    assertTrue(h.firstString("bridge-dlq-timestamp").orElseThrow().endsWith("Z"));
  }
}
