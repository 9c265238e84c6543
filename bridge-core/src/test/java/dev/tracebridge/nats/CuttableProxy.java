package dev.tracebridge.nats;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP relay between a client and a server that a test can cut the way a network or a dying server does:
 * {@link #cut} first stops passing the client's bytes on (they are read and thrown away, as if lost in
 * flight), then closes every connection. New connections are relayed again, so the client reconnects
 * through it. What a client wrote just before the cut never reaches the server. {@link #delayClientBytes} makes
 * a slow link instead: the client's bytes reach the server that much later, in order.
 */
public final class CuttableProxy implements AutoCloseable {

  private final ServerSocket listener;
  private final int serverPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean discarding;
  private volatile long delayNanos;
  private volatile boolean closed;

  public CuttableProxy(int serverPort) throws IOException {
    this.serverPort = serverPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public String url() {
    return "nats://127.0.0.1:" + listener.getLocalPort();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort);
        sockets.add(client);
        sockets.add(server);
        pump(client, server, true);
        pump(server, client, false);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pump(Socket from, Socket to, boolean clientToServer) {
    Delayed delayed = clientToServer ? new Delayed(to) : null;
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (clientToServer && discarding) {
            continue; // lost in flight
          }
          if (clientToServer && delayNanos > 0) {
            delayed.add(Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos);
            continue;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // a cut, or the other side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** From now on, what a client writes reaches the server {@code millis} later (0: at once again). */
  void delayClientBytes(long millis) {
    delayNanos = TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /** Writes chunks to the server when they are due, in the order they came. */
  private static final class Delayed {
    private final LinkedBlockingQueue<Object[]> chunks = new LinkedBlockingQueue<>();

    Delayed(Socket to) {
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = to.getOutputStream();
          while (true) {
            Object[] chunk = chunks.take();
            long wait = (long) chunk[1] - System.nanoTime();
            if (wait > 0) {
              LockSupport.parkNanos(wait); // the link's latency, not a test waiting
            }
            out.write((byte[]) chunk[0]);
            out.flush();
          }
        } catch (IOException | InterruptedException e) {
          closeQuietly(to);
        }
      }, "proxy-delay");
      writer.setDaemon(true);
      writer.start();
    }

    void add(byte[] bytes, long dueNanos) {
      chunks.add(new Object[] {bytes, dueNanos});
    }
  }

  /** Loses what the client writes from now on, then closes every relayed connection after {@code lossMillis}. */
  public void cut(long lossMillis) throws InterruptedException {
    discarding = true;
    Thread.sleep(lossMillis);
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
    discarding = false;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    listener.close();
    sockets.forEach(CuttableProxy::closeQuietly);
  }
}
