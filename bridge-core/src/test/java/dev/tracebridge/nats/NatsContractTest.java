package dev.tracebridge.nats;

import dev.tracebridge.config.InFlightConfig;
import dev.tracebridge.config.NatsClusterConfig;
import dev.tracebridge.config.SourceConfig;
import dev.tracebridge.route.Sink;
import dev.tracebridge.route.SinkContract;
import dev.tracebridge.route.Source;
import dev.tracebridge.route.SourceContract;
import dev.tracebridge.testkit.NatsServers;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** The NATS and JetStream endpoints against the rules every source and sink keeps, on a real nats-server. */
class NatsContractTest {

  private static NatsServers server;
  private static Connection client;

  @BeforeAll
  static void startServer() throws Exception {
    server = NatsServers.start();
    client = Nats.connect(server.url());
  }

  @AfterAll
  static void stopServer() throws Exception {
    client.close();
    server.close();
  }

  private static NatsClusterConfig cluster() {
    return NatsClusterConfig.of(List.of(server.url()));
  }

  private static String unique() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private static void publishAll(String subject, List<String> payloads) throws Exception {
    for (String payload : payloads) {
      client.publish(subject, payload.getBytes(StandardCharsets.UTF_8));
    }
    client.flush(Duration.ofSeconds(10));
  }

  private static String addStream(String subject) throws Exception {
    String stream = "CONTRACT_" + unique().toUpperCase();
    JetStreamManagement jsm = client.jetStreamManagement();
    jsm.addStream(StreamConfiguration.builder().name(stream).subjects(subject).build());
    return stream;
  }

  @Nested
  class CoreSource extends SourceContract {
    private String subject;

    @Override
    protected void newPosition() {
      subject = "contract.core." + unique();
    }

    @Override
    protected void publish(List<String> payloads) throws Exception {
      publishAll(subject, payloads);
    }

    @Override
    protected Source newSource() {
      return new NatsCoreSource("contract", new SourceConfig.Nats(subject, Optional.empty()), cluster(),
          InFlightConfig.DEFAULT);
    }

    @Override
    protected boolean redelivers() {
      return false;
    }
  }

  @Nested
  class JetStreamSourceContract extends SourceContract {
    private String subject;
    private String stream;
    private String durable;

    @Override
    protected void newPosition() throws Exception {
      subject = "contract.js." + unique();
      stream = addStream(subject);
      durable = "d-" + unique();
    }

    @Override
    protected void publish(List<String> payloads) throws Exception {
      publishAll(subject, payloads);
    }

    @Override
    protected Source newSource() {
      return new JetStreamSource("contract", new SourceConfig.JetStream(stream, Optional.empty(), durable), cluster(),
          1000);
    }

    @Override
    protected boolean redelivers() {
      return true;
    }
  }

  @Nested
  class CoreSink extends SinkContract {
    private String subject;
    private Subscription witness;

    @Override
    protected void newDestination() {
      subject = "contract.out." + unique();
      witness = client.subscribe(subject);
    }

    @Override
    protected String destination() {
      return subject;
    }

    @Override
    protected String invalidDestination() {
      return "not a subject";
    }

    @Override
    protected Sink newSink() {
      return new NatsSink("contract", cluster(), InFlightConfig.DEFAULT);
    }

    @Override
    protected List<Arrived> read(int count) throws Exception {
      List<Arrived> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Message m = witness.nextMessage(Duration.ofSeconds(10));
        out.add(new Arrived(new String(m.getData(), StandardCharsets.UTF_8), NatsHeaderCodec.decode(m.getHeaders())));
      }
      return out;
    }
  }

  @Nested
  class JetStreamSinkContract extends SinkContract {
    private String subject;
    private String stream;

    @Override
    protected void newDestination() throws Exception {
      subject = "contract.jsout." + unique();
      stream = addStream(subject);
    }

    @Override
    protected String destination() {
      return subject;
    }

    @Override
    protected String invalidDestination() {
      return "not a subject";
    }

    @Override
    protected Sink newSink() {
      return new JetStreamSink("contract", cluster(), InFlightConfig.DEFAULT);
    }

    @Override
    protected List<Arrived> read(int count) throws Exception {
      JetStreamManagement jsm = client.jetStreamManagement();
      List<Arrived> out = new ArrayList<>();
      for (int seq = 1; seq <= count; seq++) {
        var m = jsm.getMessage(stream, seq);
        out.add(new Arrived(new String(m.getData(), StandardCharsets.UTF_8), NatsHeaderCodec.decode(m.getHeaders())));
      }
      return out;
    }
  }
}
