package dev.tracebridge.route;

import java.util.List;

/** What the admin endpoints read of the whole bridge. */
public interface BridgeStatus {

  List<RouteView> routes();

  /** Spans the SDK dropped because its export queue was full, since start. */
  long droppedSpans();

  /** Spans handed to the exporter, since start. */
  long exportedSpans();
}
