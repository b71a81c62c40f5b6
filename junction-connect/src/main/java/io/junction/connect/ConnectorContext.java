package io.junction.connect;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import io.junction.broker.Broker;

/** What a connector is given: the broker (in process), its tenant and name, its options and secrets, and a small
 * durable state of its own. */
public interface ConnectorContext {

    Broker broker();

    String tenant();

    String name();

    /** The options as created (never secrets). */
    Map<String, String> options();

    /** An option's value, or {@code fallback} when it was not given. */
    default String option(String name, String fallback) {
        return options().getOrDefault(name, fallback);
    }

    /** A secret's value (unsealed in memory only), or empty when it was not given. */
    Optional<String> secret(String name);

    /**
     * The names of the secrets given (never their values): for a type whose secrets are a family by prefix, such
     * as http-sink's {@code header.*}.
     */
    default java.util.Set<String> secretNames() {
        return java.util.Set.of();
    }

    /** The connector's own directory, private to it and deleted with it. */
    Path stateDir();

    /**
     * Reads a small state file written by {@link #writeState}, or empty when there is none.
     */
    Optional<byte[]> readState(String file) throws IOException;

    /**
     * Replaces a small state file crash-safely (temp file, fsync, rename, fsync of the directory): after a crash it
     * is the old content or the new one. Durable when this returns.
     */
    void writeState(String file, byte[] content) throws IOException;
}
