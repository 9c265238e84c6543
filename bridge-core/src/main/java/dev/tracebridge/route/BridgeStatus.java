package dev.tracebridge.route;

import java.util.List;

/** What the admin endpoints read of the whole bridge. */
public interface BridgeStatus {

  List<RouteView> routes();

  /** The version of the configuration applied: 1 at start, one more for every applied reload. */
  default int configVersion() {
    return 1;
  }

  /** Spans that never reached the collector (export queue full, or a failed export), since start. */
  long droppedSpans();

  /** Spans handed to the exporter, since start. */
  long exportedSpans();
}
