package dev.tracebridge.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.message.MessageHeaders;
import dev.tracebridge.message.OutboundMessage;
import dev.tracebridge.route.ErrorClass;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The table in {@link KafkaSink}'s class comment, row by row; no broker needed. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KafkaSinkClassifyTest {

  private static final KafkaClusterConfig NOWHERE = new KafkaClusterConfig("127.0.0.1:1", Map.of());

  private final KafkaSink sink = new KafkaSink("classify-sink", Map.of(), NOWHERE);

  @Test
  void recordsThatCanNeverBeWrittenAreTheMessagesFault() {
    assertAll(ErrorClass.MESSAGE, List.of(
        new RecordTooLargeException("too large"),
        new RecordBatchTooLargeException("batch too large"),
        new InvalidTopicException("bad topic"),
        new SerializationException("cannot serialize"),
        new InvalidRecordException("rejected"),
        // A RetriableException by type, but a corrupt record does not heal by sending it again.
        new CorruptRecordException("corrupt")));
  }

  @Test
  void whatOnlyAnOperatorCanFixIsFatal() {
    assertAll(ErrorClass.FATAL, List.of(
        new TopicAuthorizationException("no write on topic"),
        new ClusterAuthorizationException("no idempotent write"),
        new SaslAuthenticationException("bad password"),
        new UnsupportedVersionException("old broker"),
        new ConfigException("bad setting"),
        new ProducerFencedException("fenced")));
  }

  @Test
  void whatWaitingHealsIsTransient() {
    assertAll(ErrorClass.TRANSIENT, List.of(
        new TimeoutException("Topic t not present in metadata after 1000 ms."),
        new BufferExhaustedException("buffer full"),
        new NotEnoughReplicasException("isr too small"),
        new NotEnoughReplicasAfterAppendException("isr shrank"),
        new NotLeaderOrFollowerException("election"),
        new NetworkException("connection reset"),
        new DisconnectException("disconnected"),
        new UnknownTopicOrPartitionException("not yet created"),
        new InterruptException(new InterruptedException())));
  }

  @Test
  void anythingElseIsUnknown() {
    assertAll(ErrorClass.UNKNOWN, List.of(new KafkaException("strange"), new IllegalArgumentException("odd")));
  }

  @Test
  void wrappersAreLookedThrough() {
    RecordTooLargeException tooLarge = new RecordTooLargeException("too large");
    assertEquals(ErrorClass.MESSAGE, sink.classify(new ExecutionException(tooLarge)));
    assertEquals(ErrorClass.MESSAGE, sink.classify(new CompletionException(new ExecutionException(tooLarge))));
    assertEquals(ErrorClass.TRANSIENT, sink.classify(new CompletionException(new TimeoutException("slow"))));
  }

  @Test
  void aSinkNotStartedOrClosedIsTransientNotTheMessagesFault() throws Exception {
    OutboundMessage message = new OutboundMessage("classify", null, new byte[1], MessageHeaders.empty(), null);
    Throwable notStarted = failure(sink, message);
    assertEquals(ErrorClass.TRANSIENT, sink.classify(notStarted));

    sink.close();
    assertEquals(ErrorClass.TRANSIENT, sink.classify(failure(sink, message)));
    // What a producer closed under pending sends reports; once closed it is not the message's fault.
    assertEquals(ErrorClass.TRANSIENT, sink.classify(new KafkaException("Producer is closed forcefully.")));
    // A message error stays one.
    assertEquals(ErrorClass.MESSAGE, sink.classify(new RecordTooLargeException("too large")));
  }

  private void assertAll(ErrorClass expected, List<Throwable> failures) {
    for (Throwable failure : failures) {
      assertEquals(expected, sink.classify(failure), failure.getClass().getSimpleName());
    }
  }

  private static Throwable failure(KafkaSink sink, OutboundMessage message) throws Exception {
    try {
      sink.send(message).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e;
    }
    throw new AssertionError("send should have failed");
  }
}
