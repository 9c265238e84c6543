package dev.tracebridge.route;

import java.util.List;
import org.junit.jupiter.api.Nested;

/** The engine tests' in-memory endpoints keep the same rules as the real ones, or those tests prove nothing. */
class InMemoryEndpointsContractTest {

  @Nested
  class Source extends SourceContract {
    private InMemorySource current;

    @Override
    protected void newPosition() {
      current = null;
    }

    @Override
    protected void publish(List<String> payloads) {
      current.offerPayloads("lane", payloads);
    }

    @Override
    protected dev.tracebridge.route.Source newSource() {
      current = new InMemorySource();
      return current;
    }

    @Override
    protected boolean redelivers() {
      return false; // it keeps nothing once handed over, like core NATS
    }
  }

  @Nested
  class Sink extends SinkContract {
    private InMemorySink current;

    @Override
    protected void newDestination() {
      current = null;
    }

    @Override
    protected String destination() {
      return "out";
    }

    @Override
    protected String invalidDestination() {
      return "not a name";
    }

    @Override
    protected dev.tracebridge.route.Sink newSink() {
      current = new InMemorySink();
      return current;
    }

    @Override
    protected List<Arrived> read(int count) {
      return current.delivered.stream().limit(count)
          .map(m -> new Arrived(new String(m.payload(), java.nio.charset.StandardCharsets.UTF_8), m.headers()))
          .toList();
    }
  }
}
