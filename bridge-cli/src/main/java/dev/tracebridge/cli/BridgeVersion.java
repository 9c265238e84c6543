package dev.tracebridge.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The version Maven wrote into {@code bridge-version.properties} at build time. */
final class BridgeVersion implements IVersionProvider {

  static String version() {
    try (InputStream in = BridgeVersion.class.getResourceAsStream("/bridge-version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"bridge " + version()};
  }
}
