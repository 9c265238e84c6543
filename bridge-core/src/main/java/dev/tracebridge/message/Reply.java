package dev.tracebridge.message;

import java.util.Objects;

/**
 * The answer to a request a sink sent (a NATS service's reply), in the neutral model: payload bytes (empty,
 * never null) and headers, already decoded from the broker's form.
 */
public record Reply(byte[] payload, MessageHeaders headers) {

  public Reply {
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(headers, "headers");
  }
}
