package dev.tracebridge.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the benchmark writes into each message. The sequence number and the send time travel in the
 * payload, because the payload is the one thing every relay copies byte for byte; the send time is
 * {@link System#nanoTime()} of the benchmark's JVM, which also receives the message, so latency needs no
 * clock shared between processes. The three headers are the ones a traced producer sends.
 */
final class Wire {

  static final String TRACEPARENT = "traceparent";
  static final String BAGGAGE = "baggage";
  static final String BAGGAGE_VALUE = "tenant=acme,user.id=bench-user,session=7f3a9c";
  static final String PLAIN = "bench-run";

  private static final int STAMP_BYTES = 16;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Wire() {
  }

  /** A payload of {@code size} bytes (at least 16) that starts with the sequence number and the send time. */
  static byte[] payload(int size, long seq, long sentNanos) {
    byte[] payload = new byte[Math.max(size, STAMP_BYTES)];
    Arrays.fill(payload, STAMP_BYTES, payload.length, (byte) 'x');
    ByteBuffer.wrap(payload).putLong(seq).putLong(sentNanos);
    return payload;
  }

  /** The sequence number of a payload written by {@link #payload}, or -1 for anything else. */
  static long seq(byte[] payload) {
    return payload == null || payload.length < STAMP_BYTES ? -1 : ByteBuffer.wrap(payload).getLong(0);
  }

  static long sentNanos(byte[] payload) {
    return ByteBuffer.wrap(payload).getLong(8);
  }

  /** A valid W3C traceparent, distinct per message, so that each message starts its own trace. */
  static String traceparent(long runSalt, long seq) {
    char[] out = "00-00000000000000000000000000000000-0000000000000000-01".toCharArray();
    writeHex(out, 3, runSalt);
    writeHex(out, 19, seq + 1);
    writeHex(out, 36, seq + 1);
    return new String(out);
  }

  static byte[] ascii(String value) {
    return value.getBytes(StandardCharsets.US_ASCII);
  }

  private static void writeHex(char[] out, int at, long value) {
    for (int i = 15; i >= 0; i--) {
      out[at + i] = HEX[(int) (value & 0xf)];
      value >>>= 4;
    }
  }
}
