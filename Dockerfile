# syntax=docker/dockerfile:1
# The bridge's image: docker build -t bridge .   (from the repository root)
#
# Build stage: Maven and a JDK 17. The poms are copied alone first and their dependencies fetched, so
# that this layer stays cached while only sources change; then the sources, and the same command as
# the README builds the distribution in bridge-cli/target/bridge/.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY bridge-testkit/pom.xml bridge-testkit/
COPY bridge-core/pom.xml bridge-core/
COPY bridge-cli/pom.xml bridge-cli/
# the benchmark is a module of the reactor, so Maven needs it here; nothing of it reaches the image
COPY bridge-bench/pom.xml bridge-bench/
RUN mvn -B -q dependency:go-offline
COPY bridge-testkit/src bridge-testkit/src
COPY bridge-core/src bridge-core/src
COPY bridge-cli/src bridge-cli/src
COPY bridge-bench/src bridge-bench/src
RUN mvn -B -q -DskipTests package

# Run stage: a JRE and the distribution only (bin/bridge and the runtime jars: no test kit, no broker
# code, no Maven), as a non-root user with a numeric id, so that Kubernetes' runAsNonRoot can check it.
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 bridge \
  && useradd --system --uid 10001 --gid bridge --home-dir /opt/bridge --shell /usr/sbin/nologin bridge
COPY --from=build /src/bridge-cli/target/bridge/ /opt/bridge/
# The default configuration; mount a ConfigMap or a file over /etc/bridge to replace it.
COPY conf/routes.conf /etc/bridge/routes.conf
# The heap is a share of the container's memory limit (not of the host's), the rest is left to
# metaspace, thread stacks, direct buffers and client buffers; an OutOfMemoryError ends the process,
# so that the orchestrator restarts it instead of it limping on. Replace JAVA_OPTS to change both.
# The launcher adds its own defaults before these (Serial collector, C1 compiler only, a smaller code
# cache); a heap percentage here replaces its fixed heap bound (README, "The launcher's JVM settings").
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
USER 10001:10001
# Admin endpoints: /healthz, /readyz, /metrics, /routes.
EXPOSE 8080
# The launcher execs the JVM, so docker stop's SIGTERM reaches the bridge, which drains and exits 0.
ENTRYPOINT ["/opt/bridge/bin/bridge"]
CMD ["run", "--config", "/etc/bridge/routes.conf"]
