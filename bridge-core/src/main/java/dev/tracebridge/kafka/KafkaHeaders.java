package dev.tracebridge.kafka;

import dev.tracebridge.message.Header;
import dev.tracebridge.message.MessageHeaders;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Kafka headers and the bridge's neutral headers share one model (name, raw bytes or null, order kept
 * across names, names may repeat), so the conversion is a copy that keeps every header as it is.
 */
final class KafkaHeaders {

  private KafkaHeaders() {
  }

  static MessageHeaders fromKafka(Headers headers) {
    ArrayList<Header> list = new ArrayList<>();
    for (org.apache.kafka.common.header.Header h : headers) {
      list.add(new Header(h.key(), h.value()));
    }
    return MessageHeaders.handOver(list);
  }

  static List<org.apache.kafka.common.header.Header> toKafka(MessageHeaders headers) {
    List<org.apache.kafka.common.header.Header> list = new ArrayList<>(headers.size());
    for (Header h : headers) {
      list.add(new RecordHeader(h.name(), h.value()));
    }
    return list;
  }
}
