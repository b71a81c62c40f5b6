package io.junction.broker.internal.group;

import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.BrokerStats;
import io.junction.broker.DeadLetterReason;
import io.junction.broker.Delivery;
import io.junction.broker.DeliveryRef;
import io.junction.broker.DeliverySink;
import io.junction.broker.GroupInfo;
import io.junction.broker.GroupMember;
import io.junction.broker.History;
import io.junction.broker.MessageRef;
import io.junction.broker.OnDeadLetter;
import io.junction.broker.Ordering;
import io.junction.broker.Settlement;
import io.junction.broker.StartPosition;
import io.junction.broker.internal.BrokerContext;
import io.junction.broker.internal.LogTypes;
import io.junction.errors.ErrorCode;
import io.junction.log.PartitionStore;
import io.junction.log.Record;
import io.junction.log.SerialExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One consumer group of a station: the delivery engine. Every group receives every message of the station; the
 * members of a group share them, and each message is acked (or nacked, or times out) on its own.
 *
 * <h2>State (as data, per partition)</h2>
 * The ack floor (every offset below it is acked), the acked offsets above it, and the delivery count of every
 * delivered, unacked offset are durable ({@link GroupJournal}). In memory only: the deliveries in flight
 * (offset → member, delivery id, deadline, record), the redelivery queue (ordered by when each message is due
 * again), and a small read-ahead buffer per partition. After a restart, every offset at or above the floor that is
 * not acked is delivered again, with its delivery count continuing where it was.
 *
 * <h2>Settlement</h2>
 * Every hand-off gets a delivery id (counted up from the group's opening time, unique across restarts). An ack,
 * nack, dead-letter or in-progress acts only on a delivery its member holds now — the in-flight entry has that
 * member and that id — and is otherwise stale: it changes nothing and is reported to the member's sink. A
 * delivery's deadline is one ack timeout from the hand-off, restarted once when the member reports that the
 * application got it ({@link #credit}'s {@code startedThrough}) and at each in-progress.
 *
 * <h2>Threads</h2>
 * One owner applies every command (subscribe, credit, ack, nack, in-progress, leave, timer tick, new data) in
 * order, so the group is a deterministic state machine with no locks; callers enqueue commands and return. The
 * owner is a {@link SerialExecutor} on the broker's shared group pool: one command of a group at a time, on any of
 * its threads, and an idle group costs no thread. Members' sinks are called by the owner and must not block.
 *
 * <h2>Flow control</h2>
 * A member gets a message only while it has credits (one credit per message); a slow member therefore makes
 * the group buffer nothing for it beyond its credits plus one read-ahead per partition.
 *
 * <h2>Dead letters</h2>
 * A message that fails (nack, ack timeout, its member gone) after its max-deliveries-th delivery, or that a
 * consumer dead-letters, is stored in the station's dead-letter station; once that is durable it counts as done
 * (acked) for this group. In KEY ordering with {@link OnDeadLetter#PARK} its key stays held until the dead
 * letter is dropped or resent. A resent dead letter comes back to this group at its own partition and offset,
 * ahead of the read-ahead, and is acked like any message (the journal's RESENT event).
 *
 * <h2>Parts</h2>
 * This class holds the commands, dispatch and settlement; each other responsibility is a package-private part
 * that owns its state, runs on the same owner and is called by this class alone: {@link GroupOwner} (handing
 * commands to the owner), {@link Members} (who may be handed a message, stalls), {@link PartitionReads} (read-ahead,
 * reading again, what retention removed), {@link InFlightTable} and {@link Redeliveries} (deliveries out and due
 * again), {@link KeyLines} (KEY ordering), {@link PartitionOwners} (PARTITION ordering), {@link Outbox} (handing a
 * round over), {@link DeadLetterFlow} (to and from the dead-letter station), {@link GroupJournal} (durable state),
 * {@link GroupSettings} and {@link StartOffsets} (what a group is created with). All it sees of its station is
 * {@link GroupStation}.
 */
public final class ConsumerGroup {

    private static final System.Logger LOG = System.getLogger(ConsumerGroup.class.getName());
    /** How often the owner looks for expired deadlines and due redeliveries. */
    public static final long TICK_MILLIS = 25;
    /** How long a redelivery whose message is not at hand (a remote segment being fetched) waits to try again. */
    static final long NOT_AT_HAND_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** KEY ordering: messages held back per partition (their key busy) before reading ahead pauses. */
    static final int MAX_WAITING_PER_PARTITION = 10_000;
    /**
     * KEY ordering: bytes of held-back messages kept in memory per partition; beyond them a held-back message is
     * kept as its offset and read again from the log when its turn comes.
     */
    static final long MAX_WAITING_BYTES_PER_PARTITION = 1 << 20;
    /** Bytes of stored batches a group keeps from reading messages again ({@link RereadCache}). */
    static final long REREAD_CACHE_BYTES = 4 << 20;
    /** The most bytes one dispatch round hands one member (one larger message goes alone): about one response. */
    static final long ROUND_BYTES_PER_MEMBER = 1 << 20;
    /** Delivery ids: the first of a group's run is its opening time in ms times this (2^53 lasts to year 2255). */
    static final long DELIVERY_IDS_PER_MS = 1000;

    public final String name;
    /** All it sees of its station. */
    private final GroupStation station;
    /** Where its commands run, one at a time. */
    private final GroupOwner owner;
    private final GroupJournal journal;
    private final GroupJournal.PartitionState[] state;
    /** Per partition: the read-ahead, the messages read again, what retention removed before they were acked. */
    private final PartitionReads reads;
    private final Members members;
    /** The deliveries waiting for a settlement. They keep no message contents: a redelivery reads the log again. */
    private final InFlightTable inFlight = new InFlightTable();
    /** Messages to deliver again, by due time. */
    private final Redeliveries redeliveries = new Redeliveries();
    private final Ordering ordering;
    private final OnDeadLetter onDeadLetter;
    /** The records it reads: the station's view, or the full history of a tiered station. */
    private final History history;
    /** Messages on their way to the dead-letter station, keys they park, dead letters resent to the group. */
    private final DeadLetterFlow deadLetters;
    /**
     * Delivered, not done, not in flight now (due again, being dead-lettered): first and last delivery time (epoch
     * ms) and the last error a consumer gave. A delivery in flight carries its own ({@link InFlight}), so a message
     * delivered once and acked never has an entry here.
     */
    private final Map<MessageRef, Attempts> attempts = new HashMap<>();
    /** Deliveries of the current dispatch round, per member, handed over at its end. */
    private final Outbox outbox;
    /** KEY ordering, per partition: busy keys and the messages waiting for them. */
    private final KeyLines[] keyLines;
    private final BrokerConfig.ConsumerLimits limits;
    /** The monotonic clock of deadlines and due times. */
    private final BrokerContext context;
    /** PARTITION ordering: the member each partition is handed to. */
    private final PartitionOwners owners;
    private final AtomicBoolean dispatchQueued = new AtomicBoolean();
    private final AtomicLong memberIds = new AtomicLong();
    private final java.util.concurrent.ScheduledExecutorService timer;
    /**
     * The next tick, while the group has something a tick watches (deliveries in flight, redeliveries due, a member
     * whose transport takes nothing); null otherwise, so an idle group costs no timer work. Owner thread only
     * (close reads it after the owner's last command).
     */
    private ScheduledFuture<?> ticker;
    /** Ticks run so far (tests: an idle group does not tick). */
    private long ticks;
    private int nextPartition;
    /**
     * The id of the last delivery handed out. Ids grow by one per delivery from a start taken from the wall clock
     * when the group opens ({@value #DELIVERY_IDS_PER_MS} per millisecond), so that they do not repeat across
     * restarts either (unless the clock steps back, or a group hands out more than that many per millisecond it
     * stayed open): a settlement naming a delivery of an earlier run of the broker is stale too.
     */
    private long lastDeliveryId;
    private boolean closed;
    /** Counted since the group opened, for {@link #stats()} (owner thread only). */
    private long delivered;
    private long redelivered;
    private long acked;

    /** What the dead-letter station records about a message's deliveries. */
    static final class Attempts {
        long firstMs;
        long lastMs;
        String error = "";
    }

    /** A dead letter handed back to this group: its id and the original message. */
    public record Resent(long deadLetterId, int partition, Record message) {
    }

    /** The next message to hand out. */
    private record Next(int partition, Record record, ByteBuffer storedBatch) {

        Next(int partition, Record record) {
            this(partition, record, null);
        }
    }

    private ConsumerGroup(BrokerContext context, GroupStation station, String name, GroupSettings settings,
            GroupJournal journal, GroupJournal.PartitionState[] state) {
        this.station = station;
        this.name = name;
        this.ordering = settings.ordering();
        this.onDeadLetter = settings.onDeadLetter();
        this.history = settings.history();
        this.journal = journal;
        this.state = state;
        this.keyLines = new KeyLines[state.length];
        this.limits = context.config().consumerLimits();
        this.members = new Members(limits);
        this.context = context;
        this.owners = new PartitionOwners(state.length);
        this.lastDeliveryId = Math.max(0, context.clock().millis()) * DELIVERY_IDS_PER_MS;
        for (int p = 0; p < state.length; p++) {
            keyLines[p] = new KeyLines(MAX_WAITING_PER_PARTITION, MAX_WAITING_BYTES_PER_PARTITION,
                    context.heldBytes());
        }
        this.reads = new PartitionReads(p -> station.partition(p, history), name, station.name(), journal, state,
                REREAD_CACHE_BYTES, context.heldBytes());
        this.outbox = new Outbox(this, station.name(), station::consumed);
        this.deadLetters = new DeadLetterFlow(this, station, context, journal, state, keyLines, ordering,
                onDeadLetter);
        this.owner = new GroupOwner(context.groupExecutor(), name, station.name());
        this.timer = context.timer();
    }

    /**
     * Opens the group whose journal is in {@code dir}; when there is none, creates the group at {@code start}
     * (and refuses with UNKNOWN_GROUP when {@code start} is null).
     */
    public static ConsumerGroup open(BrokerContext context, GroupStation station, String name, Path dir,
            StartPosition start, Ordering ordering, OnDeadLetter onDeadLetter, History history) throws IOException {
        boolean exists = Files.isDirectory(dir);
        if (!exists && start == null) {
            throw new BrokerException(ErrorCode.UNKNOWN_GROUP, "group '" + name + "' does not exist");
        }
        long[] starts = new long[station.partitionCount()];
        History view = history == null ? History.COMPACTED : history;
        if (!exists) { // checked before anything is written: a refused start leaves no group behind
            for (int p = 0; p < starts.length; p++) {
                starts[p] = StartOffsets.of(station.partition(p, view), start, p);
            }
        }
        GroupSettings settings = GroupSettings.readOrWrite(dir, new GroupSettings(
                ordering != null ? ordering : station.config().ordering(),
                onDeadLetter != null ? onDeadLetter : station.config().onDeadLetter(), view));
        GroupJournal journal = GroupJournal.open(context, dir.resolve("journal"));
        GroupJournal.PartitionState[] state = new GroupJournal.PartitionState[station.partitionCount()];
        for (int p = 0; p < state.length; p++) {
            state[p] = new GroupJournal.PartitionState();
        }
        if (journal.isEmpty()) {
            StartPosition from = start == null ? StartPosition.earliest() : start;
            for (int p = 0; p < state.length; p++) {
                state[p].ackFloor = exists ? StartOffsets.of(station.partition(p, settings.history()), from, p)
                        : starts[p];
            }
            journal.snapshot(state);
            journal.flush(); // the group exists once this returns
        } else {
            journal.replay(state);
        }
        ConsumerGroup group = new ConsumerGroup(context, station, name, settings, journal, state);
        group.submit(group::reconcileWithDeadLetters);
        return group;
    }

    /**
     * After opening: the dead-letter station is the truth about which messages went there
     * ({@link DeadLetterFlow#reconcile}).
     */
    private void reconcileWithDeadLetters() {
        deadLetters.reconcile();
        journal.writePending();
        dispatch();
    }

    Ordering ordering() {
        return ordering;
    }

    /**
     * Per partition: every offset below is done for this group (acked or dead-lettered) and will not be handed
     * out again — the ack floor, or a resent dead letter's offset when lower.
     */
    public long[] ackFloors() {
        return call(() -> {
            long[] floors = new long[state.length];
            for (int p = 0; p < state.length; p++) {
                floors[p] = state[p].resent.isEmpty() ? state[p].ackFloor
                        : Math.min(state[p].ackFloor, state[p].resent.firstKey());
            }
            return floors;
        });
    }

    // ----- commands (any thread) -------------------------------------------------------------------------------

    /** Adds a member with {@code credits} initial credits; its messages go to {@code sink}. */
    public GroupMember join(String memberName, int credits, DeliverySink sink) {
        Member member = new Member(this, name + "-" + memberIds.incrementAndGet(), memberName, sink);
        call(() -> {
            if (closed) {
                throw owner.closed();
            }
            members.add(member);
            member.credits = Math.max(0, credits);
            member.sink.joined(member.id(), state.length, station.config().ackTimeout(), limits);
            dispatch();
            return null;
        });
        return member;
    }

    void leave(Member member) {
        submit(() -> {
            if (!member.gone) {
                removeMember(member, List.of());
                dispatch();
            }
        });
    }

    /**
     * Takes {@code member} out of the group: the partitions it owned are free again and every delivery it
     * holds goes back in line once — {@code unsent} ones (the transport never took them) without counting as a
     * delivery attempt, the others as a failed attempt.
     */
    void removeMember(Member member, List<Delivery> unsent) {
        member.gone = true;
        members.remove(member);
        member.unstarted.clear();
        owners.freeAllOf(member);
        long now = context.nanoTime();
        for (Delivery d : unsent) {
            InFlight f = inFlight.take(member, d.ref());
            if (f != null) {
                returned(f);
                if (f.count > 1) { // the transport never took it: not an attempt
                    state[f.partition].deliveries.put(d.offset(), f.count - 1);
                } else {
                    state[f.partition].deliveries.remove(d.offset());
                }
                redeliverLater(f.partition, f.ref.offset(), now);
            }
        }
        for (InFlight f : inFlight.takeAll(f -> f.member == member)) {
            returned(f);
            retryOrDeadLetter(f.partition, f.ref.offset(), now);
        }
        member.inFlight = 0;
        member.inFlightBytes = 0;
        member.credits = 0;
    }

    /**
     * More credits for {@code member}, and its report that every delivery to it up to {@code startedThrough}
     * was handed to the application: the deadline of each such delivery still held starts again from now, once.
     * Reports come in delivery order, so the member's line of unstarted deliveries is read from its head.
     */
    void credit(Member member, int credits, long startedThrough) {
        submit(() -> {
            if (member.gone) {
                return;
            }
            if (startedThrough > 0) {
                long deadline = context.nanoTime() + station.config().ackTimeout().toNanos();
                while (!member.unstarted.isEmpty() && member.unstarted.peekFirst().deliveryId <= startedThrough) {
                    InFlight f = member.unstarted.pollFirst();
                    if (inFlight.isCurrent(f)) {
                        f.deadlineNanos = Math.max(f.deadlineNanos, deadline);
                    }
                }
            }
            member.credits = (int) Math.min(Integer.MAX_VALUE, (long) member.credits + Math.max(0, credits));
            dispatch();
        });
    }

    /**
     * Takes back the credits {@code member} has not used (with {@code withdraw}; else changes nothing) and completes
     * once every command of the member submitted before is applied: deliveries made before are in its sink by then,
     * none follows until it gets credits again. Completes exceptionally with SHUTTING_DOWN when the group is closed.
     */
    CompletableFuture<Void> barrier(Member member, boolean withdraw) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean accepted = owner.tryExecute(() -> {
            if (withdraw) {
                member.credits = 0;
            }
            done.complete(null);
        });
        if (!accepted) {
            done.completeExceptionally(owner.closed());
        }
        return done;
    }

    /**
     * Acks the deliveries {@code member} holds among {@code refs}; the others are stale. With {@code sync}, returns
     * once the applied acks are durable, with the stale ones (empty when none); else returns null at once and the
     * stale ones go to the member's sink.
     */
    List<DeliveryRef> ack(Member member, List<DeliveryRef> refs, boolean sync) {
        if (!sync) {
            submit(() -> {
                report(member, Settlement.ACK, ackAll(member, refs));
                dispatch();
            });
            return null;
        }
        try {
            return ackSync(member, refs).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof BrokerException b ? b
                    : new BrokerException(ErrorCode.INTERNAL, "group '" + name + "': " + e.getCause(), e.getCause());
        }
    }

    /**
     * Acks the deliveries {@code member} holds among {@code refs}; the future completes with the stale ones (empty
     * when none) once the applied acks are durable: at the journal's next fsync, shared by every sync ack waiting
     * meanwhile (group commit), never on the group's thread. Futures complete in the order the acks were applied.
     * The key's next message may go out before then (as after a plain ack); a sync ack is confirmed only once
     * durable. Completes exceptionally with SHUTTING_DOWN when the group is closed, STORAGE_ERROR when the fsync
     * fails.
     */
    CompletableFuture<List<DeliveryRef>> ackSync(Member member, List<DeliveryRef> refs) {
        CompletableFuture<List<DeliveryRef>> confirmed = new CompletableFuture<>();
        boolean accepted = owner.tryExecute(() -> {
            try {
                List<DeliveryRef> stale = ackAll(member, refs);
                CompletableFuture<Void> durable = journal.flushAsync();
                dispatch();
                durable.whenComplete((v, failure) -> {
                    if (failure == null) {
                        confirmed.complete(stale == null ? List.of() : stale);
                    } else {
                        confirmed.completeExceptionally(new BrokerException(ErrorCode.STORAGE_ERROR, "group '"
                                + name + "': the acks could not be made durable: " + failure.getMessage(),
                                failure));
                    }
                });
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "group " + name + " of station " + station.name()
                        + " failed a command", e);
                confirmed.completeExceptionally(e instanceof BrokerException ? e
                        : new BrokerException(ErrorCode.INTERNAL, "group '" + name + "': " + e, e));
            }
        });
        if (!accepted) {
            confirmed.completeExceptionally(owner.closed());
        }
        return confirmed;
    }

    private List<DeliveryRef> ackAll(Member member, List<DeliveryRef> refs) {
        return settleEach(member, refs, f -> {
            int p = f.partition;
            if (!state[p].isAcked(f.ref.offset())) {
                state[p].ack(f.ref.offset());
                journal.ack(p, f.ref.offset());
            }
            acked++;
            releaseKey(f.ref);
        });
    }

    /**
     * Takes each delivery {@code member} holds among {@code refs} out of flight and hands it to {@code settle};
     * returns the stale ones (null when none).
     */
    private List<DeliveryRef> settleEach(Member member, List<DeliveryRef> refs,
            Consumer<InFlight> settle) {
        List<DeliveryRef> stale = null;
        for (DeliveryRef ref : refs) {
            InFlight f = ref.partition() < 0 || ref.partition() >= state.length ? null : inFlight.take(member, ref);
            if (f == null) {
                stale = addTo(stale, ref);
            } else {
                settle.accept(f);
            }
        }
        return stale;
    }

    /** Hands the messages back, to be delivered again after {@code delay}; {@code error} may be null. */
    void nack(Member member, List<DeliveryRef> refs, Duration delay, String error) {
        submit(() -> {
            long due = context.nanoTime() + Math.max(0, delay.toNanos());
            List<DeliveryRef> stale = settleEach(member, refs, f -> {
                returned(f);
                if (error != null && !error.isEmpty()) {
                    attempts(f.ref).error = error;
                }
                retryOrDeadLetter(f.partition, f.ref.offset(), due);
            });
            report(member, Settlement.NACK, stale);
            dispatch();
        });
    }

    /** A consumer gives up on these messages: they go to the dead-letter station with {@code reason}. */
    void deadLetter(Member member, List<DeliveryRef> refs, String reason) {
        submit(() -> {
            List<DeliveryRef> stale = settleEach(member, refs, f -> {
                returned(f);
                deadLetters.store(f.partition, f.ref.offset(), DeadLetterReason.CONSUMER,
                        reason == null || reason.isEmpty() ? f.error : reason);
            });
            report(member, Settlement.DEAD_LETTER, stale);
            dispatch();
        });
    }

    /**
     * As {@link #deadLetter(Member, List, String)}; completes with the stale settlements once the dead letters
     * are stored in the station's DLS (one that failed to be stored is delivered again, as always).
     */
    CompletableFuture<List<DeliveryRef>> deadLetterAsync(Member member, List<DeliveryRef> refs, String reason) {
        CompletableFuture<List<DeliveryRef>> done = new CompletableFuture<>();
        boolean accepted = owner.tryExecute(() -> {
            try {
                List<CompletableFuture<?>> stored = new ArrayList<>();
                List<DeliveryRef> stale = settleEach(member, refs, f -> {
                    returned(f);
                    CompletableFuture<?> letter = deadLetters.store(f.partition, f.ref.offset(),
                            DeadLetterReason.CONSUMER, reason == null || reason.isEmpty() ? f.error : reason);
                    if (letter != null) {
                        stored.add(letter);
                    }
                });
                dispatch();
                CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).handle((v, e) -> done.complete(
                        stale == null ? List.of() : stale));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        if (!accepted) {
            done.completeExceptionally(owner.closed());
        }
        return done;
    }

    /** Tests: the ack deadline ({@link System#nanoTime()}) of the delivery; empty when the member does not hold it. */
    public OptionalLong deadlineNanos(GroupMember member, DeliveryRef ref) {
        return call(() -> {
            InFlight f = held((Member) member, ref);
            return f == null ? OptionalLong.empty() : OptionalLong.of(f.deadlineNanos);
        });
    }

    /** The delivery {@code ref} names, when {@code member} holds it now; else null. */
    private InFlight held(Member member, DeliveryRef ref) {
        return ref.partition() < 0 || ref.partition() >= state.length ? null : inFlight.held(member, ref);
    }

    /**
     * {@code f} left flight unacked (nack, ack timeout, member gone, failover, dead-lettered by the consumer): its
     * delivery count and attempts go back to the maps that keep them for messages out of flight.
     */
    private void returned(InFlight f) {
        state[f.partition].deliveries.put(f.ref.offset(), f.count);
        Attempts a = attempts(f.ref);
        a.firstMs = f.firstMs;
        a.lastMs = f.lastMs;
        a.error = f.error;
    }

    private static List<DeliveryRef> addTo(List<DeliveryRef> list, DeliveryRef ref) {
        List<DeliveryRef> out = list == null ? new ArrayList<>() : list;
        out.add(ref);
        return out;
    }

    /** Tells {@code member} which of its settlements were stale; a failing sink does not fail the command. */
    private void report(Member member, Settlement kind, List<DeliveryRef> stale) {
        if (stale == null || member.gone) {
            return;
        }
        try {
            member.sink.stale(kind, stale);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: member {2} could not be told of stale "
                    + "settlements: {3}", name, station.name(), member.id(), e.toString());
        }
    }

    /**
     * Dead letters handed back to this group; returns once that is durable. Each comes back at its own offset,
     * ahead of newer messages, with its delivery count starting over.
     */
    public void resend(List<Resent> letters) {
        call(() -> {
            deadLetters.resend(letters);
            journal.flush();
            dispatch();
            return null;
        });
    }

    /** Dead letters dropped: in PARK, their keys go on. */
    public void dropped(List<MessageRef> refs) {
        submit(() -> {
            for (MessageRef ref : refs) {
                if (deadLetters.unpark(ref)) {
                    releaseKey(ref);
                }
            }
            dispatch();
        });
    }

    void inProgress(Member member, List<DeliveryRef> refs) {
        submit(() -> {
            long deadline = context.nanoTime() + station.config().ackTimeout().toNanos();
            List<DeliveryRef> stale = null;
            for (DeliveryRef ref : refs) {
                InFlight f = held(member, ref);
                if (f == null) {
                    stale = addTo(stale, ref);
                } else {
                    f.deadlineNanos = Math.max(f.deadlineNanos, deadline);
                }
            }
            report(member, Settlement.IN_PROGRESS, stale);
        });
    }

    /** A member's transport takes more again: dispatch. Coalesced like {@link #onAppend()}. */
    public void wake() {
        onAppend();
    }

    /** New data in the station: deliver it if a member has credits. Coalesces bursts of appends. */
    public void onAppend() {
        if (dispatchQueued.compareAndSet(false, true)) {
            submit(() -> {
                dispatchQueued.set(false);
                dispatch();
            });
        }
    }

    /** How many members are connected now. */
    public int memberCount() {
        return call(members::size);
    }

    public GroupInfo info() {
        return call(() -> {
            long lag = 0;
            List<GroupInfo.Partition> partitions = new ArrayList<>();
            for (int p = 0; p < state.length; p++) {
                long partitionLag = reads.lag(p);
                lag += partitionLag;
                partitions.add(new GroupInfo.Partition(p, state[p].ackFloor, reads.nextToHandOut(p), partitionLag,
                        reads.skipped(p)));
            }
            List<GroupInfo.Member> memberInfos = members.all().stream()
                    .map(m -> new GroupInfo.Member(m.id(), m.name(), m.inFlight, m.credits)).toList();
            return new GroupInfo(station.name(), name, lag, inFlight.size(), memberInfos, partitions, ordering,
                    onDeadLetter, deadLetters.openCount(), history);
        });
    }

    /**
     * The group's state and counters now, for metrics, computed on the owner thread; null (not an exception) when
     * the group is closed, so that a scrape simply leaves out a group deleted meanwhile.
     */
    public CompletableFuture<BrokerStats.GroupStats> stats() {
        CompletableFuture<BrokerStats.GroupStats> answer = new CompletableFuture<>();
        boolean accepted = owner.tryExecute(() -> {
            try {
                answer.complete(closed ? null : statsNow());
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        if (!accepted) {
            answer.complete(null);
        }
        return answer;
    }

    private BrokerStats.GroupStats statsNow() {
        long lag = 0;
        long[] partitionLag = new long[state.length];
        for (int p = 0; p < state.length; p++) {
            partitionLag[p] = reads.lag(p);
            lag += partitionLag[p];
        }
        return new BrokerStats.GroupStats(name, lag, partitionLag, inFlight.size(), members.size(), delivered,
                redelivered, acked, deadLetters.storedCount(), deadLetters.openCount());
    }

    /**
     * Moves the group's position on {@code partition} (every partition when -1) to {@code to}, as
     * {@link Broker#resetGroup} describes; returns the group after it. Refused with GROUP_IN_USE while members are
     * connected: with none there is nothing in flight, so the reset only has to replace what the group keeps per
     * partition — its durable state (a new floor, nothing acked or counted above it), the read-ahead, the messages
     * due again, the key lines — and the open dead letters of the group count as done again, exactly as
     * {@link #reconcileWithDeadLetters} counts them when the group opens. One snapshot, fsynced, makes it durable:
     * the journal replays from it after a crash, so the group restarts where the reset put it.
     */
    public GroupInfo reset(StartPosition to, int partition) {
        int from = partition < 0 ? 0 : partition;
        int until = partition < 0 ? state.length : partition + 1;
        long[] floors = new long[state.length];
        for (int p = from; p < until; p++) { // every partition checked before anything changes; not on the
            floors[p] = StartOffsets.of(log(p), to, p); // group's thread: a timestamp may read the object store
        }
        call(() -> {
            if (closed) {
                throw owner.closed();
            }
            if (!members.isEmpty()) {
                throw new BrokerException(ErrorCode.GROUP_IN_USE, "group '" + name + "' of station '" + station.name()
                        + "' has " + members.size() + " connected member(s); stop them before resetting its "
                        + "position");
            }
            List<GroupStation.OpenDeadLetter> open = deadLetters.open();
            for (int p = from; p < until; p++) {
                resetPartition(p, floors[p], open);
            }
            reads.forgetRereads();
            snapshot();
            journal.flush();
            LOG.log(System.Logger.Level.INFO, "group {0} of station {1}: position reset to {2} on {3}", name,
                    station.name(), to, partition < 0 ? "every partition" : "partition " + partition);
            dispatch();
            return null;
        });
        return info();
    }

    /** Replaces what the group keeps of partition {@code p} by a position at {@code floor} (owner thread). */
    private void resetPartition(int p, long floor, List<GroupStation.OpenDeadLetter> openDeadLetters) {
        GroupJournal.PartitionState s = new GroupJournal.PartitionState();
        s.ackFloor = floor;
        state[p] = s;
        redeliveries.removePartition(p);
        attempts.keySet().removeIf(ref -> ref.partition() == p);
        owners.free(p);
        keyLines[p].releaseAll();
        keyLines[p] = new KeyLines(MAX_WAITING_PER_PARTITION, MAX_WAITING_BYTES_PER_PARTITION, context.heldBytes());
        reads.reset(p, s);
        deadLetters.resetPartition(p, s, openDeadLetters);
    }

    /** Removes every member (their sinks hear {@code reason}), writes a snapshot and closes the journal. */
    public void close(BrokerException reason) {
        try {
            call(() -> {
                if (!closed) {
                    closed = true;
                    if (ticker != null) {
                        ticker.cancel(false);
                        ticker = null;
                    }
                    for (Member member : members.all()) {
                        member.sink.closed(reason);
                    }
                    members.clear();
                    for (KeyLines lines : keyLines) {
                        lines.releaseAll();
                    }
                    reads.forgetRereads();
                    snapshot();
                    journal.close();
                }
                return null;
            });
        } finally {
            owner.shutdown();
        }
    }

    // ----- the state machine (owner thread only) --------------------------------------------------------------

    boolean isClosed() {
        return closed;
    }

    Attempts attempts(MessageRef ref) {
        return attempts.computeIfAbsent(ref, r -> new Attempts());
    }

    /** A delivery failed: deliver the message again at {@code dueNanos}, or dead-letter it at max deliveries. */
    private void retryOrDeadLetter(int partition, long offset, long dueNanos) {
        int delivered = state[partition].deliveries.getOrDefault(offset, 0);
        if (delivered >= station.config().maxDeliveries()) {
            deadLetters.store(partition, offset, DeadLetterReason.MAX_DELIVERIES,
                    attempts(new MessageRef(partition, offset)).error);
        } else {
            redeliverLater(partition, offset, dueNanos);
        }
    }

    /** Forgets the delivery times and last error of {@code ref} (its dead letter is stored). */
    void forgetAttempts(MessageRef ref) {
        attempts.remove(ref);
    }

    private void tick() {
        ticker = null;
        if (closed) {
            return;
        }
        ticks++;
        long now = context.nanoTime();
        List<int[]> stalled = new ArrayList<>();
        for (InFlight f : inFlight.takeAll(f -> f.deadlineNanos <= now)) {
            returned(f);
            attempts(f.ref).error = "ack timeout";
            retryOrDeadLetter(f.partition, f.ref.offset(), now);
            if (ordering == Ordering.PARTITION && owners.ownerOf(f.partition) == f.member) {
                stalled.add(new int[] {f.partition});
            }
        }
        for (int[] p : stalled) {
            failover(p[0], now);
        }
        removeStalledMembers(now);
        dispatch();
        if (journal.snapshotDue()) {
            snapshot();
        }
    }

    /** Writes the journal's snapshot: the delivery counts of the deliveries in flight are in their entries. */
    private void snapshot() {
        List<Map<Long, Integer>> counts = new ArrayList<>(state.length);
        for (GroupJournal.PartitionState s : state) {
            counts.add(new HashMap<>(s.deliveries));
        }
        inFlight.forEach(f -> counts.get(f.partition).merge(f.ref.offset(), f.count, Math::max));
        journal.snapshot(state, counts);
    }

    /** Hands out messages while some member has credits and some message is ready. */
    void dispatch() {
        if (closed || members.isEmpty()) {
            journal.writePending();
            tickIfNeeded();
            return;
        }
        if (ordering == Ordering.PARTITION) {
            dispatchByPartition();
            journal.writePending();
            flushOutbox();
            tickIfNeeded();
            return;
        }
        while (true) {
            Member member = members.nextWithCredits();
            if (member == null) {
                break;
            }
            Next next = nextMessage();
            if (next == null) {
                break;
            }
            deliver(member, next);
        }
        journal.writePending();
        flushOutbox();
        tickIfNeeded();
    }

    /**
     * Schedules the next tick ({@value #TICK_MILLIS} ms) when the group has something a tick watches — deliveries
     * in flight (deadlines), redeliveries waiting (due times), a member whose transport takes nothing (stall
     * timeout) — and none is scheduled. Every command ends in a dispatch, which calls this: an idle group has no
     * tick.
     */
    private void tickIfNeeded() {
        if (closed || ticker != null) {
            return;
        }
        boolean watching = !inFlight.isEmpty() || !redeliveries.isEmpty() || members.anyNotReady();
        if (watching) {
            try {
                ticker = timer.schedule(() -> submit(this::tick), TICK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // the broker is closing
            }
        } else {
            reads.forgetRereads(); // idle: keep nothing
        }
    }

    /** Ticks run so far (owner thread). */
    public long ticks() {
        return call(() -> ticks);
    }

    /**
     * PARTITION ordering: each partition is handed to one member at a time; a member without an owned or free
     * partition with a ready message gets nothing, however many credits it has.
     */
    private void dispatchByPartition() {
        boolean progress = true;
        while (progress) {
            progress = false;
            // Members owning the fewest partitions first, so free partitions spread over the members.
            for (Member member : owners.byLoad(members.all())) {
                if (!members.mayDeliverTo(member)) {
                    continue;
                }
                Next next = nextMessageFor(member);
                if (next != null) {
                    owners.hand(next.partition(), member);
                    deliver(member, next);
                    progress = true;
                }
            }
        }
    }

    /** PARTITION ordering: the next message of a partition {@code member} owns, or of one nobody owns. */
    private Next nextMessageFor(Member member) {
        long now = context.nanoTime();
        for (Redeliveries.Due best; (best = redeliveries.pollDue(now, p -> owners.mayTake(member, p))) != null; ) {
            Next again = redeliverable(best);
            if (again != null) {
                return again;
            }
        }
        for (int i = 0; i < state.length; i++) {
            int p = (nextPartition + i) % state.length;
            if (!owners.mayTake(member, p)) {
                continue;
            }
            Next next = nextFromPartition(p);
            if (next != null) {
                nextPartition = (p + 1) % state.length;
                return next;
            }
        }
        return null;
    }

    /**
     * A due redelivery taken off the queue: the message read again, or null when it needs no redelivery (acked,
     * in flight, being dead-lettered) or is gone from the log.
     */
    private Next redeliverable(Redeliveries.Due due) {
        MessageRef ref = new MessageRef(due.partition(), due.offset());
        if (state[due.partition()].isAcked(ref.offset()) || inFlight.contains(ref) || deadLetters.isStoring(ref)) {
            return null;
        }
        Record record;
        try {
            record = reread(due.partition(), due.offset());
        } catch (NotAtHand later) { // due again a little later (a tick retries it; it keeps its key meanwhile)
            redeliverLater(due.partition(), due.offset(), context.nanoTime() + NOT_AT_HAND_RETRY_NANOS);
            return null;
        }
        if (record == null) {
            gone(due.partition(), due.offset());
            return null;
        }
        return new Next(due.partition(), record);
    }

    /**
     * The message at {@code offset} of partition {@code p} read again — a resent dead letter from the DLS — or null
     * when retention or compaction removed it; {@link NotAtHand} when it is in a remote segment not at hand now
     * (never waited for on the group's thread: the caller keeps what it was about to hand out).
     */
    Record reread(int p, long offset) {
        Long deadLetterId = state[p].resent.get(offset);
        if (deadLetterId != null) {
            Record copy = station.deadLetterMessage(deadLetterId);
            if (copy != null) {
                return copy;
            }
        }
        return reads.reread(p, offset);
    }

    /**
     * A message the group still had to process is gone from the log (retention or compaction removed it while it
     * was in flight, due again or held back): it is done for the group, counted as skipped, and its key goes on.
     */
    void gone(int p, long offset) {
        MessageRef ref = new MessageRef(p, offset);
        if (!state[p].isAcked(offset)) {
            state[p].ack(offset);
            journal.ack(p, offset);
            reads.countSkipped(p);
            LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: partition {2} offset {3} was removed "
                    + "from the log before the group processed it; skipped", name, station.name(), p, offset);
        }
        attempts.remove(ref);
        releaseKey(ref);
    }

    /**
     * PARTITION ordering: the owner of {@code partition} stopped acking; everything it holds of the partition
     * goes back in line and the partition is free for the next member with credits.
     */
    private void failover(int partition, long now) {
        Member stalled = owners.free(partition);
        for (InFlight f : inFlight.takeAll(f -> f.partition == partition && f.member == stalled)) {
            returned(f);
            retryOrDeadLetter(f.partition, f.ref.offset(), now);
        }
    }

    /**
     * Removes the members whose transport has taken nothing for the stall timeout (their client does not read):
     * their deliveries go back to the group, and their streams end with SLOW_CONSUMER.
     */
    private void removeStalledMembers(long now) {
        for (Member m : members.stalled(now)) {
            LOG.log(System.Logger.Level.WARNING, "group {0} of station {1}: member {2} read nothing of its stream for "
                    + "{3} ms; removing it", name, station.name(), m.id(), limits.stallTimeout().toMillis());
            removeMember(m, List.of());
            try {
                m.sink.closed(new BrokerException(ErrorCode.SLOW_CONSUMER, "member " + m.id() + " of group '" + name
                        + "' read nothing of its stream for " + limits.stallTimeout().toMillis() + " ms; it was "
                        + "removed and its deliveries went back to the group"));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing a stalled member failed: {0}", e.toString());
            }
        }
    }

    /** A redelivery that is due, else the next message of some partition (round robin); null when none. */
    private Next nextMessage() {
        long now = context.nanoTime();
        for (Redeliveries.Due due; (due = redeliveries.pollDue(now)) != null; ) {
            Next again = redeliverable(due);
            if (again != null) {
                return again;
            }
        }
        for (int i = 0; i < state.length; i++) {
            int p = (nextPartition + i) % state.length;
            Next next = nextFromPartition(p);
            if (next != null) {
                nextPartition = (p + 1) % state.length;
                return next;
            }
        }
        return null;
    }

    /** The next message of partition {@code p} to hand out, or null; with its stored batch when read ahead. */
    private Next nextFromPartition(int p) {
        List<KeyLines.Waiting> freedNotAtHand = null;
        List<Long> resentNotAtHand = null;
        try {
            KeyLines.Waiting freed;
            while ((freed = keyLines[p].pollNext()) != null) { // its key is already held for it
                if (freed.record() != null) {
                    return new Next(p, freed.record());
                }
                Record record;
                try {
                    record = reread(p, freed.offset());
                } catch (NotAtHand later) { // stays first in line, its key held; the others go on
                    (freedNotAtHand = freedNotAtHand == null ? new ArrayList<>() : freedNotAtHand).add(freed);
                    continue;
                }
                if (record != null) {
                    return new Next(p, record);
                }
                gone(p, freed.offset()); // frees the key for its next
            }
            for (Long offset; (offset = deadLetters.pollResent(p)) != null; ) {
                Record record;
                try {
                    record = reread(p, offset);
                } catch (NotAtHand later) {
                    (resentNotAtHand = resentNotAtHand == null ? new ArrayList<>() : resentNotAtHand).add(offset);
                    continue;
                }
                if (record == null) {
                    gone(p, offset);
                } else if (isReady(p, record) && takeKey(p, record)) {
                    return new Next(p, record);
                }
            }
            return nextReadAhead(p);
        } finally {
            if (freedNotAtHand != null) {
                keyLines[p].putBack(freedNotAtHand);
            }
            if (resentNotAtHand != null) {
                deadLetters.putBackResent(p, resentNotAtHand);
            }
        }
    }

    /** The next message read ahead on partition {@code p} that may be handed out now, or null. */
    private Next nextReadAhead(int p) {
        while (keyLines[p].mayReadAhead()) { // else what is read ahead stays there, with its contents
            Record record = reads.poll(p);
            if (record == null) {
                if (!reads.fill(p)) {
                    return null;
                }
                continue;
            }
            if (isReady(p, record) && takeKey(p, record)) {
                return new Next(p, record, reads.polledBatch(p));
            }
        }
        return null;
    }

    private boolean isReady(int p, Record record) {
        MessageRef ref = new MessageRef(p, record.offset());
        return !state[p].isAcked(record.offset()) && !inFlight.contains(ref) && !redeliveries.contains(ref)
                && !deadLetters.isStoring(ref);
    }

    /**
     * KEY ordering: true when {@code record} may go now (its key is free, or held for it), holding its key;
     * otherwise it waits in its key's line, in offset order, and this returns false. Other orderings: true.
     */
    private boolean takeKey(int p, Record record) {
        return ordering != Ordering.KEY || record.key() == null || keyLines[p].take(record);
    }

    /** KEY ordering: {@code ref} is done; the next waiting message of its key (if any) is next in line. */
    void releaseKey(MessageRef ref) {
        keyLines[ref.partition()].release(ref.offset());
    }

    void redeliverLater(int partition, long offset, long dueNanos) {
        redeliveries.add(partition, offset, dueNanos);
    }

    /** The view of its station this group reads: the compacted one or the full history. */
    public History history() {
        return history;
    }

    /** Partition {@code p} as this group reads it ({@link #history}). */
    PartitionStore log(int p) {
        return reads.log(p);
    }

    /** Compaction removed messages from the station's partitions: forget what was read of them. */
    public void onCompaction() {
        submit(reads::forgetRereads);
    }

    /** Retention ran on the station: skip what it removed (on the owner thread). */
    public void onRetention() {
        submit(() -> {
            reads.forgetRereads();
            for (int p = 0; p < state.length; p++) {
                reads.skipRemoved(p);
            }
            journal.writePending();
            dispatch();
        });
    }

    private void deliver(Member member, Next next) {
        int partition = next.partition();
        Record record = next.record();
        GroupJournal.PartitionState s = state[partition];
        // A first delivery (the common case) finds nothing in either map: both hold only messages delivered
        // before and not in flight now.
        Integer before = s.deliveries.isEmpty() ? null : s.deliveries.remove(record.offset());
        int count = before == null ? 1 : before + 1;
        delivered++;
        if (count > 1) {
            redelivered++;
        }
        journal.delivered(partition, record.offset(), count);
        MessageRef ref = new MessageRef(partition, record.offset());
        Attempts earlier = attempts.isEmpty() ? null : attempts.remove(ref);
        long deliveryId = ++lastDeliveryId;
        int bytes = LogTypes.sizeOf(record);
        InFlight f = new InFlight(ref, member, deliveryId, bytes, count, earlier == null ? 0 : earlier.firstMs,
                earlier == null ? "" : earlier.error, station.clock().millis(),
                context.nanoTime() + station.config().ackTimeout().toNanos());
        inFlight.add(f);
        member.credits--;
        member.roundBytes += bytes;
        if (member.unstarted.size() >= 2 * member.inFlight + 64) {
            member.unstarted.removeIf(u -> !inFlight.isCurrent(u)); // a member that never reports hand-offs
        }
        member.unstarted.addLast(f);
        outbox.add(member, new Delivery(partition, record.offset(), record.key(), record.value(),
                LogTypes.fromLog(record.headers()), record.timestamp(), count, deliveryId, next.storedBatch()));
    }

    /**
     * Hands each member what this dispatch round gave it ({@link Outbox#flush}); a member whose transport does not
     * take its deliveries is removed here and now, and the next dispatch hands its messages to the others.
     */
    private void flushOutbox() {
        if (outbox.flush()) {
            // Their messages go to the others, or a member gets its next response's worth, in a round of its own.
            submit(this::dispatch);
        }
    }

    // ----- owner thread plumbing ---------------------------------------------------------------------------------

    void submit(Runnable command) {
        owner.submit(command);
    }

    private <T> T call(Callable<T> command) {
        return owner.call(command);
    }
}
