package dev.tracebridge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tracebridge.config.BridgeConfig;
import dev.tracebridge.config.ConfigLoader;
import dev.tracebridge.config.RouteConfig;
import dev.tracebridge.config.SinkConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The producer settings each Kafka sink gets, without a broker: what decides a requester's wait. */
class EndpointsTest {

  private static final String ROUTES = """
      quotes {
        from.nats { subject = "quotes.get.>" }
        to.kafka { topic = "quote-requests" }
        reply.from.kafka { topic = "quote-replies" }
        dead-letter.kafka { topic = "quotes.dlq" }
      }
      tuned {
        from.nats { subject = "tuned.>" }
        to.kafka { topic = "tuned-requests", properties { "linger.ms" = 2 } }
        reply.from.kafka { topic = "tuned-replies" }
      }
      events {
        from.nats { subject = "events.>" }
        to.kafka { topic = "events" }
      }
      """;

  @Test
  void aRequestRouteSendsItsRequestsAtOnceUnlessLingerIsSet() throws Exception {
    BridgeConfig config = config("");
    assertEquals("0", sinkProperties(config, "quotes", "sink").get("linger.ms"), "a NATS requester waits");
    assertEquals("2", sinkProperties(config, "tuned", "sink").get("linger.ms"), "the route's own setting wins");
    assertNull(sinkProperties(config, "quotes", "dead-letter").get("linger.ms"), "the dead letter batches");
    assertNull(sinkProperties(config, "events", "sink").get("linger.ms"), "a plain relay batches (KafkaSink's 5)");

    BridgeConfig bridgeLinger = config("\"linger.ms\" = 7");
    assertNull(sinkProperties(bridgeLinger, "quotes", "sink").get("linger.ms"), "bridge.kafka.properties applies");
  }

  private static Map<String, String> sinkProperties(BridgeConfig config, String routeName, String role) {
    RouteConfig route = config.routes().stream().filter(r -> r.name().equals(routeName)).findFirst().orElseThrow();
    SinkConfig.Kafka sink = (SinkConfig.Kafka) ("sink".equals(role) ? route.to() : route.deadLetter().orElseThrow());
    return Endpoints.producerProperties(route, role, sink.properties(), config);
  }

  private static BridgeConfig config(String kafkaProperties) throws Exception {
    return ConfigLoader.parse("""
        bridge {
          kafka.bootstrap-servers = "127.0.0.1:9"
          kafka.properties { %s }
          nats.servers = ["nats://127.0.0.1:9"]
          routes { %s }
        }
        """.formatted(kafkaProperties, ROUTES), "test.conf");
  }
}
