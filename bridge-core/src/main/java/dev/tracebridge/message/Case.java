package dev.tracebridge.message;

/**
 * One branch of a {@code match} over the endpoint kinds ({@link SourcePosition#match}, and the same fold on
 * the configuration's {@code SourceConfig} and {@code SinkConfig}). A fold instead of {@code instanceof}
 * chains, because Java 17 has no pattern-matching switch: a new kind adds a parameter to every
 * {@code match}, so the compiler lists each place that must handle it, and none can fall back to NATS.
 * A branch may throw a checked exception ({@code X}); when no branch does, Java infers
 * {@code RuntimeException} and the caller has nothing to catch.
 *
 * @param <T> the kind's record
 * @param <R> what the match returns
 * @param <X> what a branch may throw
 */
@FunctionalInterface
public interface Case<T, R, X extends Exception> {

  R apply(T value) throws X;
}
