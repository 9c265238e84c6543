package dev.tracebridge.admin;

import dev.tracebridge.config.AdminConfig;
import dev.tracebridge.metrics.BridgeMetrics;
import dev.tracebridge.route.BridgeStatus;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server: {@code /healthz}, {@code /readyz}, {@code /metrics} and {@code /routes}.
 * One event-loop thread serves both accepting and requests; the endpoints only read counters, so that is plenty.
 */
public final class AdminServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

  /** Admin requests carry no body worth the name; anything bigger is refused with 413. */
  private static final int MAX_REQUEST_CONTENT_BYTES = 4096;
  private static final long SHUTDOWN_QUIET_MILLIS = 100;
  private static final long SHUTDOWN_TIMEOUT_MILLIS = 2000;

  private final EventLoopGroup group;
  private final Channel channel;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();

  private AdminServer(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
    this.port = ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /**
   * Binds to {@code config.host():config.port()} (port 0 picks a free port) and serves until closed.
   * Whether the admin server runs at all ({@code config.enabled()}) is the caller's decision.
   * {@code /metrics} renders {@code metrics}; the caller binds the status to it and closes it.
   *
   * @throws IllegalStateException when the address cannot be bound (in use, unknown host, no permission)
   */
  public static AdminServer start(AdminConfig config, BridgeStatus status, BridgeMetrics metrics)
      throws InterruptedException {
    // A daemon thread: the admin server must never be what keeps the JVM alive after the routes stopped.
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bridge-admin", true),
        NioIoHandler.newFactory());
    AdminRequestHandler handler = new AdminRequestHandler(status, metrics);
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ChannelPipeline pipeline = ch.pipeline();
            pipeline.addLast(new HttpServerCodec());
            pipeline.addLast(new HttpServerKeepAliveHandler());
            pipeline.addLast(new HttpObjectAggregator(MAX_REQUEST_CONTENT_BYTES));
            pipeline.addLast(handler);
          }
        });
    ChannelFuture bound;
    try {
      bound = bootstrap.bind(config.host(), config.port()).await();
    } catch (InterruptedException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IllegalStateException(
          "admin server cannot listen on " + config.host() + ":" + config.port() + ": " + bound.cause(),
          bound.cause());
    }
    AdminServer server = new AdminServer(group, bound.channel());
    LOG.info("admin listening on {}:{}", hostForDisplay(config.host()), server.port);
    return server;
  }

  /** The port the server listens on; the one the system picked when configured with port 0. */
  public int port() {
    return port;
  }

  /** Stops listening and closes open connections; returns within a few seconds whatever the clients do. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    channel.close().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS);
    group.shutdownGracefully(SHUTDOWN_QUIET_MILLIS, SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .awaitUninterruptibly(SHUTDOWN_TIMEOUT_MILLIS * 2);
    LOG.info("admin server on port {} stopped", port);
  }

  private static String hostForDisplay(String host) {
    return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
