package dev.tracebridge.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.tracebridge.admin.JsonWriter;
import dev.tracebridge.logging.MessageLogContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Writes each log event as one JSON object on one line, for log collectors (Loki, Elasticsearch, Cloud
 * Logging) that read container output line by line: {@code timestamp} (RFC 3339, UTC, milliseconds),
 * {@code level}, {@code logger}, {@code thread}, {@code message}, then {@code route}, {@code trace_id}
 * and {@code span_id} when the line was written while handling a message (or, for {@code route}, on a
 * route's thread), and {@code exception} (the stack trace as text) when there is one.
 *
 * <p>The field names are the ones OpenTelemetry's log data model and most collectors map onto a trace
 * without configuration. Written with the bridge's own JSON writer: escaping newlines and control
 * characters is what keeps a multi-line message or stack trace on its one line.
 */
final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

  private static final byte[] NOTHING = new byte[0];
  /** Always three digits of milliseconds, so that lines sort as text and line up for a reader. */
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final List<String> MESSAGE_KEYS =
      List.of(MessageLogContext.ROUTE, MessageLogContext.TRACE_ID, MessageLogContext.SPAN_ID);

  @Override
  public byte[] headerBytes() {
    return NOTHING;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    JsonWriter json = new JsonWriter().beginObject()
        .name("timestamp").value(TIMESTAMP.format(Instant.ofEpochMilli(event.getTimeStamp())))
        .name("level").value(event.getLevel().toString())
        .name("logger").value(event.getLoggerName())
        .name("thread").value(event.getThreadName())
        .name("message").value(event.getFormattedMessage());
    Map<String, String> mdc = event.getMDCPropertyMap();
    for (String key : MESSAGE_KEYS) {
      String value = mdc.get(key);
      if (value != null) {
        json.name(key).value(value);
      }
    }
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      json.name("exception").value(ThrowableProxyUtil.asString(thrown));
    }
    return (json.endObject() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public byte[] footerBytes() {
    return NOTHING;
  }
}
