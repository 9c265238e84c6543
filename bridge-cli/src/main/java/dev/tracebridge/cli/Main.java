package dev.tracebridge.cli;

import picocli.CommandLine;

/** Entry point of the launcher {@code bin/bridge}. */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit status: 0 success, 1 cannot go on, 2 usage error or invalid file. */
  public static int run(String... args) {
    return new CommandLine(new BridgeCommand()).execute(args);
  }
}
