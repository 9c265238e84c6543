package dev.tracebridge.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a secret from a file ({@code token-file}, {@code password-file}...), as Kubernetes mounts a
 * Secret. The content is the secret: it must never reach a message, so failures are described by what
 * went wrong with the file, never by the exception's own text (a decoder's message may quote bytes).
 */
final class SecretFiles {

  private SecretFiles() {
  }

  /** Why a secret file cannot be read, in words that may be shown (no content). */
  static final class UnreadableException extends Exception {
    UnreadableException(String reason) {
      super(reason, null, false, false);
    }
  }

  /**
   * The file's text (UTF-8) with trailing line breaks removed: {@code echo token > file} and most
   * editors end the file with one, which no broker would accept as part of the secret. Other
   * whitespace is kept, since it may belong to a password.
   */
  static String read(Path path) throws UnreadableException {
    if (Files.isDirectory(path)) {
      throw new UnreadableException("it is a directory");
    }
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UnreadableException("no such file");
    } catch (AccessDeniedException e) {
      throw new UnreadableException("permission denied");
    } catch (CharacterCodingException e) {
      throw new UnreadableException("not UTF-8 text");
    } catch (IOException e) {
      throw new UnreadableException(e.getClass().getSimpleName());
    }
    int end = text.length();
    while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
      end--;
    }
    return text.substring(0, end);
  }
}
