package dev.tracebridge.route;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The one rule for finding a failure's real cause under the wrappers futures put around it. */
public final class Failures {

  private Failures() {
  }

  /** The cause under any {@link CompletionException} and {@link ExecutionException} wrappers. */
  public static Throwable cause(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
