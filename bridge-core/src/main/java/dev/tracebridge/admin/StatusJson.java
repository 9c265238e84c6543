package dev.tracebridge.admin;

import dev.tracebridge.metrics.RouteMetrics;
import dev.tracebridge.route.RouteState;
import dev.tracebridge.route.RouteView;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON bodies of {@code /routes} and {@code /readyz}. Only {@link RouteView} fields are rendered,
 * and those hold no secret by their contract.
 */
final class StatusJson {

  private StatusJson() {
  }

  /** The answer of {@code /readyz}: whether the bridge is ready, and the body saying so. */
  record Readiness(boolean ready, String json) {
  }

  /**
   * Ready when there are routes and every one is ready: {@code {"ready":true}}; else
   * {@code {"ready":false,"routes":[...]}} naming each route that is not, with its state and last error.
   */
  static Readiness readiness(List<RouteView> routes) {
    // Each state is read once, so the status code and the body cannot disagree while routes change.
    List<NotReady> notReady = new ArrayList<>();
    for (RouteView route : routes) {
      RouteState state = route.state();
      if (!state.isReady()) {
        notReady.add(new NotReady(route.name(), state, route.lastError().orElse(null)));
      }
    }
    // The configuration requires at least one route, so an empty list means the routes are not built yet
    // or already gone: not a bridge a load balancer should send to.
    boolean ready = !routes.isEmpty() && notReady.isEmpty();
    JsonWriter json = new JsonWriter().beginObject().name("ready").value(ready);
    if (!ready) {
      json.name("routes").beginArray();
      for (NotReady route : notReady) {
        json.beginObject()
            .name("route").value(route.name())
            .name("state").value(route.state().name())
            .name("error").value(route.error())
            .endObject();
      }
      json.endArray();
    }
    return new Readiness(ready, json.endObject().toString());
  }

  private record NotReady(String name, RouteState state, String error) {
  }

  /** Every route with its endpoints, state, counts and last error ({@code null} when none). */
  static String routes(List<RouteView> routes) {
    JsonWriter json = new JsonWriter().beginArray();
    for (RouteView route : routes) {
      RouteMetrics metrics = route.metrics();
      json.beginObject()
          .name("name").value(route.name())
          .name("source").value(route.source())
          .name("destination").value(route.destination())
          .name("state").value(route.state().name())
          .name("counts").beginObject()
          .name("consumed").value(metrics.consumedCount())
          .name("produced").value(metrics.producedCount())
          .name("deadLettered").value(metrics.deadLetteredCount())
          .name("retried").value(metrics.retriedCount())
          .name("failed").value(metrics.failedCount())
          .endObject()
          .name("configVersion").value(route.configVersion())
          .name("lastError").value(route.lastError().orElse(null))
          .endObject();
    }
    return json.endArray().toString();
  }
}
