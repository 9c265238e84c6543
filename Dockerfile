# syntax=docker/dockerfile:1
# Build stage: the same command as the README builds the distribution in bridge-cli/target/bridge/.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

# Run stage: a JRE and the distribution only (no test kit, no broker code), as a non-root user.
FROM eclipse-temurin:17-jre
RUN groupadd --system bridge && useradd --system --gid bridge --home-dir /opt/bridge --shell /usr/sbin/nologin bridge
COPY --from=build /src/bridge-cli/target/bridge/ /opt/bridge/
COPY conf/routes.conf /etc/bridge/routes.conf
USER bridge
EXPOSE 8080
# The launcher execs the JVM, so docker stop's SIGTERM reaches the bridge, which drains and exits 0.
ENTRYPOINT ["/opt/bridge/bin/bridge"]
CMD ["run", "--config", "/etc/bridge/routes.conf"]
