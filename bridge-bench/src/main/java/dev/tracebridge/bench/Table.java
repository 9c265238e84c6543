package dev.tracebridge.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The Markdown table of all runs: one row per direction, payload and relay; each cell the median over
 * the runs with the spread (min–max), and on the bridge's rows the median's ratio to the baseline's (the one
 * with the launcher's JVM options when it ran, else the one with the JVM's defaults).
 */
final class Table {

  private final List<Measurement> all;

  Table(List<Measurement> all) {
    this.all = List.copyOf(all);
  }

  String markdown(List<Direction> directions, List<Integer> payloads) {
    StringBuilder out = new StringBuilder();
    out.append("| direction | payload | relay | msg/s | CPU µs/msg | p50 ms | p99 ms | p99.9 ms | peak RSS MiB"
        + " | spans received / expected |\n");
    out.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Direction direction : directions) {
      for (int payload : payloads) {
        // like with like: the bridge's ratios are to the baseline with the launcher's JVM options when it ran
        List<Measurement> baseline = runs(direction, payload, Relay.BASELINE_LAUNCHER_JVM);
        if (baseline.isEmpty()) {
          baseline = runs(direction, payload, Relay.BASELINE);
        }
        for (Relay relay : List.of(Relay.BASELINE, Relay.BASELINE_LAUNCHER_JVM, Relay.BRIDGE_NO_TRACING,
            Relay.BRIDGE_TRACING)) {
          List<Measurement> runs = runs(direction, payload, relay);
          if (runs.isEmpty()) {
            continue;
          }
          out.append("| ").append(direction.label()).append(" | ").append(payload == 1024 ? "1 KiB" : payload + " B")
              .append(" | ").append(relay.label())
              .append(" | ").append(cell(runs, baseline, Measurement::messagesPerSecond, true))
              .append(" | ").append(cell(runs, baseline, Measurement::cpuMicrosPerMessage, false))
              .append(" | ").append(cell(runs, baseline, Measurement::p50Millis, false))
              .append(" | ").append(cell(runs, baseline, Measurement::p99Millis, false))
              .append(" | ").append(cell(runs, baseline, Measurement::p999Millis, false))
              .append(" | ").append(cell(runs, baseline, Measurement::peakRssMib, false))
              .append(" | ").append(spans(runs)).append(" |\n");
        }
      }
    }
    return out.toString();
  }

  private List<Measurement> runs(Direction direction, int payload, Relay relay) {
    return all.stream().filter(m -> m.direction() == direction && m.payloadBytes() == payload && m.relay() == relay).toList();
  }

  private static String cell(List<Measurement> runs, List<Measurement> baseline, ToDoubleFunction<Measurement> figure,
      boolean thousands) {
    double[] values = runs.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).sorted().toArray();
    if (values.length == 0) {
      return "—";
    }
    double median = median(values);
    String text = number(median, thousands) + " (" + number(values[0], thousands) + "–"
        + number(values[values.length - 1], thousands) + ")";
    if (runs.get(0).relay().bridge()) {
      double[] base = baseline.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).sorted().toArray();
      if (base.length > 0 && median(base) > 0) {
        text += " " + String.format(Locale.ROOT, "%.2f×", median / median(base));
      }
    }
    return text;
  }

  private static String spans(List<Measurement> runs) {
    long expected = runs.stream().mapToLong(Measurement::spansExpected).sum();
    if (expected == 0) {
      return "—";
    }
    long received = runs.stream().mapToLong(Measurement::spansReceived).sum();
    double worst = runs.stream().mapToDouble(m -> (double) m.spansReceived() / m.spansExpected()).min().orElse(0);
    return String.format(Locale.ROOT, "%d / %d (worst run %.1f%%)", received, expected, worst * 100);
  }

  private static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String number(double value, boolean thousands) {
    if (thousands) {
      return String.format(Locale.ROOT, "%.1fk", value / 1000);
    }
    return String.format(Locale.ROOT, value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value);
  }
}
