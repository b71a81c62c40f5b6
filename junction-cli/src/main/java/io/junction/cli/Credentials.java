package io.junction.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The sessions {@code junction login} keeps, one per server (keyed by the {@code --server} value as given), so
 * that later commands authenticate without a password. One JSON file:
 *
 * <pre>
 * $XDG_CONFIG_HOME/junction/credentials     (else ~/.config/junction/credentials)
 *
 * {"servers": {"localhost:6666": {"token": "jn_...", "user": "alice", "tenant": "hr", "expires_ms": 1764...}}}
 * </pre>
 *
 * <p>Only its owner can read it, at every moment: a change is written to a new file created with mode 0600 (in a
 * directory created with mode 0700), fsynced, and renamed over the old one, so a crash leaves either the old
 * file or the new one and the token never sits in a file others could read. A leftover
 * {@code credentials.*.tmp} is from a write that crashed; it is owner-only too and safe to delete. Fields this
 * version does not know are kept. Two logins at once: the last rename wins, and the other's session is not
 * stored (log in again).
 *
 * <p>Not thread-safe: a command reads or changes it once.
 */
final class Credentials {

    static final String XDG_CONFIG_HOME = "XDG_CONFIG_HOME";
    static final String DIRECTORY = "junction";
    static final String FILE = "credentials";
    static final String TEMP_PREFIX = FILE + ".";
    static final String TEMP_SUFFIX = ".tmp";

    private static final String SERVERS = "servers";
    private static final String TOKEN = "token";
    private static final String USER = "user";
    private static final String TENANT = "tenant";
    private static final String EXPIRES_MS = "expires_ms";

    /** The file's mode and its directory's, set when they are created. */
    static final String FILE_MODE = "rw-------";
    static final String DIRECTORY_MODE = "rwx------";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** A stored session; {@link #toString()} hides the token. {@code expiresMs} 0: unknown. */
    record Session(String token, String user, String tenant, long expiresMs) {
        @Override
        public String toString() {
            return "Session[" + user + "@" + tenant + ", expiresMs=" + expiresMs + ", token=(hidden)]";
        }
    }

    private final Path file;

    Credentials(Path file) {
        this.file = file;
    }

    /** {@code $XDG_CONFIG_HOME/junction/credentials} if that is set (and absolute), else under {@code userHome}. */
    static Path location(Map<String, String> env, String userHome) {
        final String xdg = env.get(XDG_CONFIG_HOME);
        final Path config = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(userHome, ".config");
        return config.resolve(DIRECTORY).resolve(FILE);
    }

    Path file() {
        return file;
    }

    /** The session stored for {@code server}, if any. */
    Optional<Session> session(String server) {
        final JsonNode entry = read().path(SERVERS).path(server);
        if (!entry.path(TOKEN).isTextual()) {
            return Optional.empty();
        }
        return Optional.of(new Session(entry.path(TOKEN).asText(), entry.path(USER).asText(""),
                entry.path(TENANT).asText(""), entry.path(EXPIRES_MS).asLong(0)));
    }

    /** Stores {@code session} for {@code server}, replacing the one stored before. */
    void store(String server, Session session) {
        final ObjectNode root = read();
        final ObjectNode servers = root.path(SERVERS).isObject() ? (ObjectNode) root.get(SERVERS)
                : root.putObject(SERVERS);
        servers.putObject(server).put(TOKEN, session.token()).put(USER, session.user())
                .put(TENANT, session.tenant()).put(EXPIRES_MS, session.expiresMs());
        write(root);
    }

    /** Forgets the session stored for {@code server}; false if there was none. */
    boolean remove(String server) {
        final ObjectNode root = read();
        final JsonNode servers = root.path(SERVERS);
        if (!servers.isObject() || !servers.has(server)) {
            return false;
        }
        ((ObjectNode) servers).remove(server);
        write(root);
        return true;
    }

    private ObjectNode read() {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return MAPPER.createObjectNode();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the credentials file " + file + ": " + e.getMessage(), e);
        }
        try {
            final JsonNode node = MAPPER.readTree(bytes);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            // Reported below, without the parser's excerpt of the file: it may hold a token.
        }
        throw new IllegalStateException("the credentials file " + file + " is not a JSON object; delete it and "
                + "log in again");
    }

    private void write(ObjectNode root) {
        final Path dir = file.toAbsolutePath().getParent();
        final boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        try {
            createDirectory(dir, posix);
            final Path temp = posix ? Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(FILE_MODE)))
                    : Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX);
            try {
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    final ByteBuffer buffer = ByteBuffer.wrap(MAPPER.writerWithDefaultPrettyPrinter()
                            .writeValueAsBytes(root));
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    channel.force(true);
                }
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(temp);
                throw e;
            }
            if (posix) {
                try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                    directory.force(true); // the rename survives a power loss
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the credentials file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file's directory, created owner-only (its parents as usual) when missing. */
    private static void createDirectory(Path dir, boolean posix) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Files.createDirectories(dir.getParent());
        try {
            if (posix) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString(DIRECTORY_MODE)));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }
}
