package dev.tracebridge.cli;

import picocli.CommandLine.Command;

@Command(name = "bridge",
    mixinStandardHelpOptions = true,
    versionProvider = BridgeVersion.class,
    description = "Relays messages between Kafka and NATS (core and JetStream) with unbroken OpenTelemetry traces.",
    subcommands = {RunCommand.class, ValidateCommand.class, VersionCommand.class},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:success", "1:the bridge cannot go on", "2:usage error or invalid configuration"})
final class BridgeCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** {@code bridge} without a command is a usage error. */
  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a command is required: run, validate or version");
  }
}
