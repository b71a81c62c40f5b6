package io.junction.security;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

import io.junction.errors.ErrorCode;

/**
 * Slows down password guessing: after {@value #MAX_FAILURES} failed logins within a minute for one user, or
 * {@value #MAX_ADDRESS_FAILURES} from one address, further logins for it are refused (LOGIN_THROTTLED, saying when
 * to try again) until the oldest of those failures is a minute old — whether the password is right or not. The
 * address's bound is higher so that one careless user behind a shared address (a NAT, this machine) does not lock
 * everyone else there out; guessing one user's password stays at five tries a minute wherever they come from. Memory is bounded: at most
 * {@value #MAX_KEYS} users and as many addresses are tracked (the least recently failed are forgotten first).
 * Thread-safe.
 */
final class LoginThrottle {

    static final int MAX_FAILURES = 5;
    static final int MAX_ADDRESS_FAILURES = 20;
    static final long WINDOW_MS = 60_000;
    static final int MAX_KEYS = 10_000;

    private final LongSupplier clockMs;
    private final Map<String, ArrayDeque<Long>> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Long>> eldest) {
            return size() > 2 * MAX_KEYS;
        }
    };

    LoginThrottle(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /** LOGIN_THROTTLED if the user or the address has failed too often lately. */
    synchronized void check(String user, String address) {
        long now = clockMs.getAsLong();
        long userWait = wait("user:" + user, now, MAX_FAILURES);
        long addressWait = wait("address:" + address, now, MAX_ADDRESS_FAILURES);
        if (userWait > 0 || addressWait > 0) {
            long seconds = (Math.max(userWait, addressWait) + 999) / 1000;
            throw new AccessException(ErrorCode.LOGIN_THROTTLED, "too many failed logins "
                    + (userWait > 0 ? "for this user" : "from this address") + " in the last minute; try again in "
                    + seconds + " s");
        }
    }

    synchronized void failed(String user, String address) {
        long now = clockMs.getAsLong();
        record("user:" + user, now, MAX_FAILURES);
        record("address:" + address, now, MAX_ADDRESS_FAILURES);
    }

    /** A successful login forgets the user's failures (not the address's). */
    synchronized void succeeded(String user) {
        failures.remove("user:" + user);
    }

    private long wait(String key, long now, int most) {
        ArrayDeque<Long> times = failures.get(key);
        if (times == null) {
            return 0;
        }
        while (!times.isEmpty() && times.peekFirst() <= now - WINDOW_MS) {
            times.pollFirst();
        }
        return times.size() >= most ? times.peekFirst() + WINDOW_MS - now : 0;
    }

    private void record(String key, long now, int most) {
        ArrayDeque<Long> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        times.addLast(now);
        while (times.size() > most) {
            times.pollFirst();
        }
    }
}
