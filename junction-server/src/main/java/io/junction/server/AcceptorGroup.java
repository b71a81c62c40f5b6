package io.junction.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.util.ThreadFactories;
import com.linecorp.armeria.common.util.TransportType;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;

/**
 * The event loop that accepts connections on one port (Armeria's "boss" group), made to stop without Netty's
 * default two-second quiet period. Armeria shuts the acceptors down last in {@code Server.stop()}, after it has
 * closed the ports and connections, so there is nothing left to wait for; with the default every stop took two idle
 * seconds. (Armeria 1.36.0's own {@code EventLoopGroups.builder().gracefulShutdown(..)} does not help here: the
 * server shuts down the group behind that wrapper, found through {@code channel.eventLoop().parent()}; a subclass
 * is what {@code parent()} returns.)
 *
 * <p>Thread-safe, as every Netty event loop group.
 */
final class AcceptorGroup extends MultiThreadIoEventLoopGroup {

    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(1);

    /** One non-daemon thread, as Armeria's own acceptors, so a listening server keeps the JVM alive. */
    AcceptorGroup(String threadName) {
        super(1, ThreadFactories.newThreadFactory(threadName, false), ioHandlerFactory(Flags.transportType()));
    }

    @Override
    public Future<?> shutdownGracefully() {
        return shutdownGracefully(0, SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The I/O handler of the transport Armeria uses for its channels (the acceptor must use the same). */
    private static IoHandlerFactory ioHandlerFactory(TransportType transport) {
        return switch (transport) {
            case NIO -> NioIoHandler.newFactory();
            case EPOLL -> nativeIoHandlerFactory("io.netty.channel.epoll.EpollIoHandler");
            case KQUEUE -> nativeIoHandlerFactory("io.netty.channel.kqueue.KQueueIoHandler");
            case IO_URING -> nativeIoHandlerFactory("io.netty.channel.uring.IoUringIoHandler");
        };
    }

    /** The native transports are runtime dependencies of Armeria, so they are looked up as Armeria does it. */
    private static IoHandlerFactory nativeIoHandlerFactory(String handlerClass) {
        try {
            return (IoHandlerFactory) Class.forName(handlerClass).getMethod("newFactory").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load " + handlerClass + " for Armeria's chosen transport", e);
        }
    }
}
