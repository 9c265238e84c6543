package dev.tracebridge.admin;

import dev.tracebridge.route.BridgeStatus;
import dev.tracebridge.route.RouteView;
import java.util.List;

/** A bridge made of test routes and fixed span counts. */
record TestBridgeStatus(List<RouteView> routes, long droppedSpans, long exportedSpans) implements BridgeStatus {

  TestBridgeStatus(RouteView... routes) {
    this(List.of(routes), 0, 0);
  }
}
