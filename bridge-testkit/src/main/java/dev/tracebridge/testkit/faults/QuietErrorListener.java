package dev.tracebridge.testkit.faults;

import io.nats.client.ErrorListener;

/**
 * The fault kit's own NATS clients see disconnects and ordered-consumer flow control by design; the
 * client's default listener would log each at INFO or WARN and bury the table. Nothing here is the
 * bridge's, so nothing here is worth a line.
 */
final class QuietErrorListener implements ErrorListener {
}
