package dev.tracebridge.reply;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.tracebridge.runtime.Bridge;
import dev.tracebridge.testkit.EmbeddedKafka;
import dev.tracebridge.testkit.NatsServers;
import dev.tracebridge.tracing.Telemetry;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafka;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.messaging.handler.annotation.SendTo;

/**
 * A real Spring Kafka service, {@code @KafkaListener} with a bare {@code @SendTo} (plain Spring, no Boot),
 * answers NATS requests through the bridge with no code for request-reply: Spring sends the answer to the
 * request's {@code kafka_replyTopic} with its {@code kafka_correlationId}, and the bridge delivers it.
 */
class SpringSendToTest {

  @Test
  void aSendToListenerAnswersNatsRequestersWithNoCodeOfItsOwn() throws Exception {
    String id = "sp" + UUID.randomUUID().toString().substring(0, 8);
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
         NatsServers nats = NatsServers.start()) {
      kafka.createTopic(id + "-requests", 1);
      kafka.createTopic(id + "-answers", 1);
      try (Telemetry telemetry = Telemetry.forTesting(InMemorySpanExporter.create());
           Bridge bridge = Bridge.start(NatsRequestKafkaReplyTest.config(id, kafka.bootstrapServers(), nats.url(), ""),
               telemetry);
           AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext();
           Connection client = Nats.connect(nats.url())) {
        spring.registerBean("bootstrapServers", String.class, kafka::bootstrapServers);
        spring.registerBean("requestTopic", String.class, () -> id + "-requests");
        spring.register(SpringService.class);
        spring.refresh();
        NatsRequestKafkaReplyTest.awaitRelaying(kafka.bootstrapServers(), id, 1, bridge);

        for (String currency : new String[] {"EUR", "USD", "CHF"}) {
          Message answer = client.request(id + ".get." + currency.toLowerCase(), currency.getBytes(UTF_8),
              Duration.ofSeconds(30));
          assertNotNull(answer, "Spring's answer reaches the NATS requester");
          assertEquals("spring:" + currency, new String(answer.getData(), UTF_8));
        }
      }
    }
  }

  /** What a Spring Kafka user writes: a listener factory with a reply template, and the listener. */
  @Configuration
  @EnableKafka
  static class SpringService {

    @Bean
    KafkaTemplate<String, String> kafkaTemplate(@Qualifier("bootstrapServers") String bootstrap) {
      return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(Map.of("bootstrap.servers", bootstrap),
          new StringSerializer(), new StringSerializer()));
    }

    @Bean
    ConcurrentKafkaListenerContainerFactory<String, String> kafkaListenerContainerFactory(
        @Qualifier("bootstrapServers") String bootstrap, KafkaTemplate<String, String> template) {
      ConcurrentKafkaListenerContainerFactory<String, String> factory = new ConcurrentKafkaListenerContainerFactory<>();
      factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(Map.of("bootstrap.servers", bootstrap,
          "group.id", "spring-quotes", "auto.offset.reset", "earliest"),
          new StringDeserializer(), new StringDeserializer()));
      factory.setReplyTemplate(template);
      return factory;
    }

    @Bean
    QuoteListener quoteListener() {
      return new QuoteListener();
    }
  }

  static class QuoteListener {

    @KafkaListener(topics = "#{@requestTopic}")
    @SendTo
    public String quote(String currency) {
      return "spring:" + currency;
    }
  }
}
