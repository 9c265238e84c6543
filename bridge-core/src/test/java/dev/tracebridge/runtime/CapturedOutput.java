package dev.tracebridge.runtime;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Collection;

/**
 * Everything written to {@code System.out} and {@code System.err} while it is open, still passed on to
 * the console. slf4j-simple (the tests' logging) looks {@code System.err} up at each line, so the
 * bridge's and the clients' logs are in it. For the tests that look for secrets in what the bridge shows.
 */
final class CapturedOutput implements AutoCloseable {

  private final PrintStream originalOut = System.out;
  private final PrintStream originalErr = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  private CapturedOutput() {
    System.setOut(new PrintStream(new Tee(originalOut, captured), true, UTF_8));
    System.setErr(new PrintStream(new Tee(originalErr, captured), true, UTF_8));
  }

  static CapturedOutput start() {
    return new CapturedOutput();
  }

  /** What was written so far. */
  String text() {
    synchronized (captured) {
      return captured.toString(UTF_8);
    }
  }

  @Override
  public void close() {
    System.setOut(originalOut);
    System.setErr(originalErr);
  }

  /** Fails, quoting the text, when any of {@code texts} holds any of {@code secrets}. */
  static void assertNoSecret(Collection<String> texts, String... secrets) {
    for (String text : texts) {
      for (String secret : secrets) {
        assertFalse(text.contains(secret), () -> "a secret shows in: " + text);
      }
    }
  }

  /** Writes to the console and to the capture. */
  private static final class Tee extends OutputStream {
    private final OutputStream console;
    private final ByteArrayOutputStream copy;

    Tee(OutputStream console, ByteArrayOutputStream copy) {
      this.console = console;
      this.copy = copy;
    }

    @Override
    public void write(int b) throws IOException {
      console.write(b);
      synchronized (copy) {
        copy.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      console.write(b, off, len);
      synchronized (copy) {
        copy.write(b, off, len);
      }
    }
  }
}
