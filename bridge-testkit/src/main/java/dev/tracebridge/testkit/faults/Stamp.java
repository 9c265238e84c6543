package dev.tracebridge.testkit.faults;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a fault run writes into every payload: the run, the lane (a Kafka partition, or a NATS subject)
 * and the lane's sequence number. It travels in the payload, not in a header, because the payload is
 * the one thing every route copies byte for byte, whatever the engine does with headers.
 *
 * @param run  a token unique to the run, so that leftovers of an earlier run are never counted
 * @param lane the ordering unit at the source
 * @param seq  the message's position in its lane, from 0
 */
public record Stamp(String run, String lane, int seq) {

  private static final String MAGIC = "tb1";

  /** The message's unique id within the run. */
  public String id() {
    return lane + "#" + seq;
  }

  /** The payload: {@code tb1 <run> <lane> <seq> } padded with dots to {@code size} bytes. */
  public byte[] encode(int size) {
    byte[] head = (MAGIC + " " + run + " " + lane + " " + seq + " ").getBytes(StandardCharsets.US_ASCII);
    if (head.length >= size) {
      return head;
    }
    byte[] payload = Arrays.copyOf(head, size);
    Arrays.fill(payload, head.length, size, (byte) '.');
    return payload;
  }

  /** The stamp in a payload, or null when the payload is not one of this run's. */
  public static Stamp parse(byte[] payload, String run) {
    if (payload == null || payload.length < 8) {
      return null;
    }
    String text = new String(payload, 0, Math.min(payload.length, 200), StandardCharsets.US_ASCII);
    String[] parts = text.split(" ", 5);
    if (parts.length < 5 || !MAGIC.equals(parts[0]) || !parts[1].equals(run)) {
      return null;
    }
    try {
      return new Stamp(parts[1], parts[2], Integer.parseInt(parts[3]));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
