package dev.tracebridge.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.tracebridge.config.KafkaClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.testkit.EmbeddedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An error that waiting cannot fix ends the source and reaches the route, instead of a silent stop. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KafkaSourceFatalErrorTest {

  @Test
  void invalidConsumerSettingIsReportedToTheFatalErrorListener() {
    KafkaClusterConfig cluster = new KafkaClusterConfig("127.0.0.1:" + EmbeddedKafka.freePort(), Map.of());
    SourceConfig.Kafka config = new SourceConfig.Kafka(List.of("fatal-topic"), Optional.empty(), "fatal-group",
        SourceConfig.StartFrom.EARLIEST, Map.of("max.poll.records", "not-a-number"));
    AtomicReference<Throwable> reported = new AtomicReference<>();
    try (KafkaSource source = new KafkaSource("fatal", config, cluster)) {
      source.onFatalError(reported::set);
      source.start(message -> { });
      await().atMost(Duration.ofSeconds(10)).until(() -> reported.get() != null);
      assertInstanceOf(ConfigException.class, reported.get());
      assertFalse(source.isConnected());
    }
  }
}
