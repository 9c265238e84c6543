package dev.tracebridge.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tracebridge.mapping.Template;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The request-reply keys: {@code reply.from.kafka}, {@code reply.to.kafka} and {@code to.nats.request}. */
class ReplyConfigTest {

  @Test
  void natsRequestsAnsweredFromKafka() throws ConfigException {
    RouteConfig route = only("""
        bridge.routes.quotes {
          from.nats { subject = "quotes.get.>", queue-group = "bridge" }
          to.kafka { topic = "quote-requests", key = "{subject[2]}" }
          reply.from.kafka { topic = "quote-replies" }
        }
        """);
    assertEquals(Optional.of(new ReplyConfig.FromKafka("quote-replies", "bridge-quotes-replies")), route.reply());
  }

  @Test
  void kafkaRecordsSentAsNatsRequests() throws ConfigException {
    RouteConfig route = only("""
        bridge.routes.enrich {
          from.kafka { topics = ["orders"] }
          to.nats { subject = "enrich.order", request { timeout = 2s } }
          reply.to.kafka { topic = "orders-enriched", key = "{key}" }
        }
        """);
    assertEquals(new SinkConfig.Nats(Template.parse("enrich.order"), Optional.of(Duration.ofSeconds(2))), route.to());
    assertEquals(Optional.of(new ReplyConfig.ToKafka(Template.parse("orders-enriched"),
        Optional.of(Template.parse("{key}")))), route.reply());
  }

  @Test
  void aRequestWithoutTimeoutWaitsFiveSeconds() throws ConfigException {
    RouteConfig route = only("""
        bridge.routes.enrich {
          from.kafka { topics = ["orders"] }
          to.nats { subject = "enrich.order", request { } }
          reply.to.kafka { topic = "orders-enriched" }
        }
        """);
    assertEquals(new SinkConfig.Nats(Template.parse("enrich.order"), Optional.of(Duration.ofSeconds(5))), route.to());
  }

  @Test
  void replyKeysMustFitTheRoute() {
    assertProblems("""
        bridge.routes {
          a {
            from.kafka { topics = ["in"] }
            to.kafka { topic = "out" }
            reply.from.kafka { topic = "replies" }
          }
          b {
            from.nats { subject = "in" }
            to.nats { subject = "out", request { timeout = 0s } }
            reply.to.kafka { topic = "r-{offset}" }
          }
          c {
            from.kafka { topics = ["in"] }
            to.nats { subject = "out", request { timeout = 1s } }
          }
          d {
            from.kafka { topics = ["in"] }
            to.jetstream { subject = "out" }
            dead-letter.nats { subject = "dlq", request { } }
            reply { from.kafka { topic = "x" }, to.kafka { topic = "y" } }
          }
          e {
            from.nats { subject = "in" }
            to.kafka { topic = "out" }
            reply.from.nats { subject = "x" }
          }
        }
        """,
        "reply.conf:2: bridge.routes.a.reply.from.kafka: needs a route from nats (core NATS requests carry a reply"
            + " subject) to kafka (where the requests go)",
        "reply.conf:7: bridge.routes.b.reply.to.kafka: needs a route from kafka to nats with request { timeout }",
        "reply.conf:9: bridge.routes.b.to.nats.request.timeout: must be greater than 0",
        "reply.conf:10: bridge.routes.b.reply.to.kafka.topic: {offset} in 'r-{offset}' needs a Kafka source;"
            + " this route reads from nats",
        "reply.conf:12: bridge.routes.c.to.nats.request: needs reply.to.kafka { topic }: where the replies of the"
            + " requests go",
        "reply.conf:19: bridge.routes.d.dead-letter.nats.request: only a route's to.nats can send requests, not its"
            + " dead letter",
        "reply.conf:20: bridge.routes.d.reply: found both from.kafka and to.kafka; use one",
        "reply.conf:25: bridge.routes.e.reply.from: needs kafka: replies travel through Kafka topics",
        "reply.conf:25: bridge.routes.e.reply.from.nats: unknown key 'nats'; known keys: kafka");
  }

  @Test
  void aRouteMayNotTakeTheNameOfAReplyRelay() {
    assertProblems("""
        bridge.routes {
          quotes {
            from.nats { subject = "quotes.get.>" }
            to.kafka { topic = "quote-requests" }
            reply.from.kafka { topic = "quote-replies" }
          }
          quotes-replies {
            from.kafka { topics = ["in"] }
            to.nats { subject = "out" }
          }
        }
        """,
        "reply.conf:7: bridge.routes.quotes-replies: route name is taken by the reply relay of route quotes"
            + " (reply.from.kafka); rename this route");
  }

  private static RouteConfig only(String hocon) throws ConfigException {
    List<RouteConfig> routes = ConfigLoader.parse(hocon, "reply.conf").routes();
    assertEquals(1, routes.size());
    return routes.get(0);
  }

  private static void assertProblems(String hocon, String... expected) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(hocon, "reply.conf"));
    assertEquals(List.of(expected), e.problems().stream().map(ConfigProblem::toString).toList());
  }
}
