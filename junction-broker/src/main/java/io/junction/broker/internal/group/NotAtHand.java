package io.junction.broker.internal.group;

/**
 * A message the group must read again is not at hand: it is in a remote segment that is being fetched (the group
 * is woken when it is there) or that the object store cannot serve now (the cause). The group thread never waits
 * for the network: whoever asked keeps what it was about to hand out and tries again at a later dispatch.
 */
final class NotAtHand extends RuntimeException {

    private static final long serialVersionUID = 1L;

    NotAtHand(Throwable cause) {
        super(cause == null ? "being fetched" : cause.getMessage(), cause, false, false);
    }
}
