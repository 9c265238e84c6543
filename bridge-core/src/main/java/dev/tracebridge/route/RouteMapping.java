package dev.tracebridge.route;

import dev.tracebridge.mapping.MappingException;
import dev.tracebridge.mapping.MessageMapper;
import dev.tracebridge.message.BridgeMessage;
import dev.tracebridge.message.OutboundMessage;

/**
 * How a route turns a received message into the one its sink sends, given the route's {@link MessageMapper}.
 * A configured route maps to its {@code to}; a route the bridge runs for itself (the reply relay of a
 * request-reply route) may pick the destination per message.
 */
@FunctionalInterface
public interface RouteMapping {

  /** The message for the route's destination; a {@link MappingException} sends it to the dead letter. */
  OutboundMessage map(MessageMapper mapper, BridgeMessage message) throws MappingException;
}
