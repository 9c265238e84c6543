package dev.tracebridge.admin;

import dev.tracebridge.metrics.BridgeMetrics;
import dev.tracebridge.route.BridgeStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the admin endpoints. Runs on the event loop, so it only reads the routes' states and
 * lock-free counters; nothing here waits on a broker.
 */
@ChannelHandler.Sharable
final class AdminRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(AdminRequestHandler.class);

  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";
  private static final String ALLOWED_METHODS = "GET, HEAD";

  /** Path to the answer of a GET there; built from the status (and the request's headers) on each request. */
  private final Map<String, Function<FullHttpRequest, Response>> endpoints;

  AdminRequestHandler(BridgeStatus status, BridgeMetrics metrics) {
    this.endpoints = Map.of(
        // The event loop answering at all is what "the process works" means here.
        "/healthz", request -> new Response(HttpResponseStatus.OK, TEXT, "ok"),
        "/readyz", request -> readiness(status),
        "/metrics", request -> metrics(metrics, request),
        "/routes", request -> new Response(HttpResponseStatus.OK, JSON, StatusJson.routes(status.routes())));
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      Response bad = new Response(HttpResponseStatus.BAD_REQUEST, TEXT, "bad request\n");
      // A request the decoder could not read leaves the connection in an unknown state: close it.
      ctx.writeAndFlush(bad.toHttp(false)).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    boolean head = HttpMethod.HEAD.equals(request.method());
    ctx.writeAndFlush(answer(request).toHttp(head));
  }

  private Response answer(FullHttpRequest request) {
    String path = new QueryStringDecoder(request.uri()).path();
    Function<FullHttpRequest, Response> endpoint = endpoints.get(path);
    if (endpoint == null) {
      return new Response(HttpResponseStatus.NOT_FOUND, TEXT, "not found\n");
    }
    HttpMethod method = request.method();
    if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
      return new Response(HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "method not allowed\n");
    }
    try {
      return endpoint.apply(request);
    } catch (RuntimeException e) {
      LOG.warn("admin endpoint {} failed", path, e);
      return new Response(HttpResponseStatus.INTERNAL_SERVER_ERROR, TEXT, "internal error\n");
    }
  }

  /** The Prometheus text format, or OpenMetrics when the scraper's {@code Accept} asks for it. */
  private static Response metrics(BridgeMetrics metrics, FullHttpRequest request) {
    BridgeMetrics.Scrape scrape = metrics.scrape(request.headers().get(HttpHeaderNames.ACCEPT));
    return new Response(HttpResponseStatus.OK, scrape.contentType(), scrape.body());
  }

  private static Response readiness(BridgeStatus status) {
    StatusJson.Readiness readiness = StatusJson.readiness(status.routes());
    HttpResponseStatus code = readiness.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
    return new Response(code, JSON, readiness.json());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Mostly clients that went away mid-request; nothing to answer, nothing the operator must act on.
    LOG.debug("admin connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }

  private record Response(HttpResponseStatus status, String contentType, String body) {

    /** The HTTP response; for HEAD without the body but with the length the body would have. */
    FullHttpResponse toHttp(boolean head) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
      response.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, contentType)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
          .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
      if (status.equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
        response.headers().set(HttpHeaderNames.ALLOW, ALLOWED_METHODS);
      }
      return response;
    }
  }
}
