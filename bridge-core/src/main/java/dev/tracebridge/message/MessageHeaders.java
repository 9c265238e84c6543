package dev.tracebridge.message;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * An immutable, ordered list of headers. A name may repeat; the order of all headers is kept as the
 * source gave it (Kafka keeps the order across names, NATS only within one name).
 */
public final class MessageHeaders implements Iterable<Header> {

  private static final MessageHeaders EMPTY = new MessageHeaders(List.of());

  private final List<Header> headers;

  private MessageHeaders(List<Header> headers) {
    this.headers = headers;
  }

  public static MessageHeaders empty() {
    return EMPTY;
  }

  public static MessageHeaders of(List<Header> headers) {
    return headers.isEmpty() ? EMPTY : new MessageHeaders(List.copyOf(headers));
  }

  /**
   * Headers over a list the caller has just filled and hands over, without copying it: the caller must
   * not keep or change it. For the per-message paths (a source reading its client's headers, the trace
   * rewrite), where {@link #of}'s defensive copy would be one more copy of every header list.
   */
  public static MessageHeaders handOver(ArrayList<Header> filled) {
    return filled.isEmpty() ? EMPTY : new MessageHeaders(Collections.unmodifiableList(filled));
  }

  public List<Header> asList() {
    return headers;
  }

  public int size() {
    return headers.size();
  }

  public boolean isEmpty() {
    return headers.isEmpty();
  }

  /** The first value of a name, if the name is present (the value itself may be null). */
  public Optional<Header> first(String name) {
    for (Header h : headers) {
      if (h.name().equals(name)) {
        return Optional.of(h);
      }
    }
    return Optional.empty();
  }

  /** The first value of a name as a UTF-8 string; empty when absent or null. */
  public Optional<String> firstString(String name) {
    return first(name).map(Header::valueAsString);
  }

  public List<Header> all(String name) {
    List<Header> out = new ArrayList<>();
    for (Header h : headers) {
      if (h.name().equals(name)) {
        out.add(h);
      }
    }
    return out;
  }

  public boolean contains(String name) {
    return first(name).isPresent();
  }

  /** The sum of name and value lengths, used to account for a message's size in the in-flight window. */
  public int byteSize() {
    int size = 0;
    for (Header h : headers) {
      size += h.name().length() + (h.value() == null ? 0 : h.value().length);
    }
    return size;
  }

  public Builder toBuilder() {
    return new Builder(headers);
  }

  public static Builder builder() {
    return new Builder(List.of());
  }

  @Override
  public Iterator<Header> iterator() {
    return headers.iterator();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MessageHeaders m && headers.equals(m.headers);
  }

  @Override
  public int hashCode() {
    return headers.hashCode();
  }

  @Override
  public String toString() {
    return headers.toString();
  }

  /**
   * Collects changes to a header list; the mapping stage uses it to add provenance and trace context.
   * {@link #build} hands its list over instead of copying it (one copy less per message); a change after
   * that works on a copy, so headers already built never change.
   */
  public static final class Builder {
    /** Room for the headers a hop adds (provenance, key, tombstone) without growing the list. */
    private static final int ROOM = 8;
    private ArrayList<Header> headers;
    /** The list went into built headers: copy it before the next change. */
    private boolean built;

    private Builder(List<Header> start) {
      this.headers = new ArrayList<>(start.size() + ROOM);
      headers.addAll(start);
    }

    private ArrayList<Header> changing() {
      if (built) {
        headers = new ArrayList<>(headers);
        built = false;
      }
      return headers;
    }

    public Builder add(Header header) {
      changing().add(header);
      return this;
    }

    public Builder add(String name, byte[] value) {
      return add(new Header(name, value));
    }

    public Builder add(String name, String value) {
      return add(Header.ofString(name, value));
    }

    /** Removes every value of the name and appends the given one. */
    public Builder set(String name, String value) {
      remove(name);
      return add(name, value);
    }

    public Builder remove(String name) {
      changing().removeIf(h -> h.name().equals(name));
      return this;
    }

    public Builder removeIf(Predicate<Header> predicate) {
      changing().removeIf(predicate);
      return this;
    }

    public MessageHeaders build() {
      if (headers.isEmpty()) {
        return EMPTY;
      }
      built = true;
      return new MessageHeaders(Collections.unmodifiableList(headers));
    }
  }
}
