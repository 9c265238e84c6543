package dev.tracebridge.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority with a server and a client certificate, made by the JDK's own
 * {@code keytool} into a directory, so that TLS tests need no committed private key. Everything is
 * PKCS12 for Java clients and brokers, plus PEM files for {@code nats-server}, which reads no key store.
 *
 * <p>The server certificate is for {@code 127.0.0.1} and {@code localhost}, so hostname verification
 * stays on in the tests, as it is in production. Keys are EC P-256: quick to make on a loaded machine.
 * Every store shares one random {@link #password()}, which tests also use as a secret to look for in output.
 */
public final class TestPki {

  private static final String SAN = "san=ip:127.0.0.1,dns:localhost";

  private final Path dir;
  private final String password;

  private TestPki(Path dir, String password) {
    this.dir = dir;
    this.password = password;
  }

  /** Makes the authority and both certificates in {@code dir} (a few keytool runs, about a second). */
  public static TestPki create(Path dir) {
    TestPki pki = new TestPki(dir, "store-" + UUID.randomUUID().toString().substring(0, 12));
    pki.make();
    return pki;
  }

  /** The password of every store and key. */
  public String password() {
    return password;
  }

  /** PKCS12 trust store holding the authority's certificate. */
  public Path truststore() {
    return dir.resolve("truststore.p12");
  }

  /** PKCS12 key store of the server: its key and its certificate chain up to the authority. */
  public Path serverKeystore() {
    return dir.resolve("server.p12");
  }

  /** PKCS12 key store of the client, for mutual TLS. */
  public Path clientKeystore() {
    return dir.resolve("client.p12");
  }

  /** The authority's certificate, PEM. */
  public Path caPem() {
    return dir.resolve("ca.pem");
  }

  /** The server's certificate, PEM. */
  public Path serverCertPem() {
    return dir.resolve("server.pem");
  }

  /** The server's private key, PEM (PKCS#8, unencrypted: for nats-server only, in a temporary directory). */
  public Path serverKeyPem() {
    return dir.resolve("server-key.pem");
  }

  private void make() {
    try {
      Files.createDirectories(dir);
      Path caStore = dir.resolve("ca.p12");
      keytool("-genkeypair", "-alias", "ca", "-dname", "CN=bridge test CA", "-ext", "bc:c", "-keystore", caStore);
      keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore, "-file", caPem());
      keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem(), "-keystore", truststore());
      signed("server", "CN=localhost", serverKeystore(), caStore, SAN, "eku=serverAuth,clientAuth");
      signed("client", "CN=bridge", clientKeystore(), caStore, null, "eku=clientAuth");
      keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", serverKeystore(), "-file", serverCertPem());
      writeKeyPem(serverKeystore(), "server", serverKeyPem());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make test certificates in " + dir, e);
    }
  }

  /** A key pair in {@code store}, its certificate signed by the authority and imported with the chain. */
  private void signed(String alias, String dname, Path store, Path caStore, String san, String eku) throws IOException {
    keytool("-genkeypair", "-alias", alias, "-dname", dname, "-keystore", store);
    Path request = dir.resolve(alias + ".csr");
    Path cert = dir.resolve(alias + "-signed.pem");
    keytool("-certreq", "-alias", alias, "-keystore", store, "-file", request);
    List<Object> gencert = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore,
        "-infile", request, "-outfile", cert, "-validity", "2", "-ext", eku));
    if (san != null) {
      gencert.addAll(List.of("-ext", san));
    }
    keytool(gencert.toArray());
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem(), "-keystore", store);
    keytool("-importcert", "-noprompt", "-alias", alias, "-file", cert, "-keystore", store);
    Files.delete(request);
    Files.delete(cert);
  }

  private void writeKeyPem(Path store, String alias, Path pem) throws IOException {
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      keyStore.load(in, password.toCharArray());
      Key key = keyStore.getKey(alias, password.toCharArray());
      String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
      Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the key of " + alias + " back from " + store, e);
    }
  }

  private void keytool(Object... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    for (Object arg : args) {
      command.add(arg.toString());
    }
    if (command.contains("-genkeypair")) {
      command.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2"));
    }
    command.addAll(List.of("-storetype", "PKCS12", "-storepass", password));
    if (command.contains("-genkeypair") || command.contains("-certreq") || command.contains("-gencert")) {
      command.addAll(List.of("-keypass", password));
    }
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("keytool " + args[0] + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running keytool " + args[0], e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IOException("keytool " + args[0] + " failed: " + output);
    }
  }
}
