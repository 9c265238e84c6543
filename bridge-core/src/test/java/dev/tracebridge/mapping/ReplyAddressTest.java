package dev.tracebridge.mapping;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tracebridge.config.SinkConfig;
import dev.tracebridge.mapping.ReplyAddress.DropReason;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.message.SourcePosition;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The request-reply headers a NATS request gets on its way into Kafka, and how an answer's correlation id reads. */
class ReplyAddressTest {

  private static final SinkConfig TO_KAFKA = new SinkConfig.Kafka(Template.parse("quote-requests"), Optional.empty(),
      Map.of());
  private final MessageMapper mapper = new MessageMapper("quotes", true, Optional.of("quote-replies"));

  private static BridgeMessage request(String replyTo, MessageHeaders headers) {
    return new BridgeMessage("q".getBytes(UTF_8), null, headers,
        new SourcePosition.Nats("quotes.get.eur", "instance", 1, replyTo));
  }

  private static List<String> values(OutboundMessage out, String name) {
    return out.headers().all(name).stream().map(Header::valueAsString).toList();
  }

  @Test
  void aRequestGoesToKafkaWithTheReplyTopicAndItsReplySubjectAsCorrelationId() throws Exception {
    OutboundMessage out = mapper.map(request("_INBOX.abc.7", MessageHeaders.builder().add("x-app", "shop").build()),
        TO_KAFKA);

    assertEquals(List.of("quote-replies"), values(out, ReplyAddress.REPLY_TOPIC));
    assertEquals(List.of("nats:_INBOX.abc.7"), values(out, ReplyAddress.CORRELATION_ID));
    assertEquals(List.of("shop"), values(out, "x-app"));
  }

  @Test
  void upstreamReplyHeadersAreReplacedNotDuplicated() throws Exception {
    MessageHeaders upstream = MessageHeaders.builder()
        .add(ReplyAddress.REPLY_TOPIC, "someone-elses").add(ReplyAddress.CORRELATION_ID, new byte[] {1, 2})
        .add(ReplyAddress.CORRELATION_ID, "again").build();

    OutboundMessage out = mapper.map(request("_INBOX.abc.8", upstream), TO_KAFKA);

    assertEquals(List.of("quote-replies"), values(out, ReplyAddress.REPLY_TOPIC));
    assertEquals(List.of("nats:_INBOX.abc.8"), values(out, ReplyAddress.CORRELATION_ID));
  }

  @Test
  void aMessageWithoutReplySubjectOrARouteWithoutReplyIsRelayedAsBefore() throws Exception {
    MessageHeaders upstream = MessageHeaders.builder().add(ReplyAddress.CORRELATION_ID, "theirs").build();

    OutboundMessage noReplySubject = mapper.map(request(null, upstream), TO_KAFKA);
    OutboundMessage noReplyRoute = new MessageMapper("plain", true).map(request("_INBOX.x", upstream), TO_KAFKA);

    for (OutboundMessage out : List.of(noReplySubject, noReplyRoute)) {
      assertEquals(List.of(), values(out, ReplyAddress.REPLY_TOPIC));
      assertEquals(List.of("theirs"), values(out, ReplyAddress.CORRELATION_ID));
    }
  }

  @Test
  void theDeadLetterOfARequestCarriesNoReplyHeaders() throws Exception {
    OutboundMessage out = mapper.deadLetter(request("_INBOX.abc.9", MessageHeaders.empty()), TO_KAFKA,
        new IllegalStateException("no"), 1);

    assertTrue(out.headers().first(ReplyAddress.REPLY_TOPIC).isEmpty(),
        "a service reading the dead letter must not answer");
    assertTrue(out.headers().first(ReplyAddress.CORRELATION_ID).isEmpty());
  }

  @Test
  void anAnswersCorrelationIdNamesItsRequesterOrSaysWhyItIsNotOurs() {
    assertEquals("_INBOX.abc.7", decode("nats:_INBOX.abc.7".getBytes(UTF_8)).subject());
    assertEquals(DropReason.NO_CORRELATION_ID, decode(null).dropReason());
    assertEquals(DropReason.NO_CORRELATION_ID, decode(new byte[0]).dropReason());
    assertEquals(DropReason.FOREIGN_CORRELATION_ID, decode(new byte[] {0x3f, 0x12, (byte) 0xa0}).dropReason());
    assertEquals(DropReason.FOREIGN_CORRELATION_ID, decode("nats:".getBytes(UTF_8)).dropReason());
    assertEquals(DropReason.FOREIGN_CORRELATION_ID, decode("NATS:_INBOX.a".getBytes(UTF_8)).dropReason());
    for (String bad : List.of("nats:a..b", "nats:a.*", "nats:a.>", "nats:a b", "nats:.a", "nats:a\r\nb")) {
      assertEquals(DropReason.INVALID_SUBJECT, decode(bad.getBytes(UTF_8)).dropReason(), bad);
    }
    byte[] malformedUtf8 = {'n', 'a', 't', 's', ':', 'a', (byte) 0xc3};
    assertEquals(DropReason.INVALID_SUBJECT, decode(malformedUtf8).dropReason());
    assertNull(decode(null).subject());
  }

  private static ReplyAddress.Decoded decode(byte[] correlationId) {
    MessageHeaders headers = correlationId == null
        ? MessageHeaders.builder().add("x", "y").build()
        : MessageHeaders.builder().add(ReplyAddress.CORRELATION_ID, correlationId).build();
    return ReplyAddress.decode(headers);
  }
}
