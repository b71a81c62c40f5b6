package io.junction.tier;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest for uploaded objects: AES-256-GCM, each object under its own random data key, that key
 * wrapped (AES-256-GCM) by a key-encryption key (KEK) from the key file. Only the JDK's {@code javax.crypto}.
 *
 * <h2>Key file</h2>
 * Text lines {@code ID:BASE64} (32-byte keys; {@code #} comments and blank lines ignored; ID =
 * {@code [A-Za-z0-9._-]{1,64}}). The <em>last</em> key encrypts, every key decrypts: to rotate, append a new key
 * and keep the old ones while objects sealed under them exist. A malformed file is refused naming the line (never
 * echoing key material).
 *
 * <h2>Object format</h2> (all integers big-endian)
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      magic "JTOE" (4 bytes)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  version (1)  | key id len L  |  key id (L bytes ASCII) ...   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         frame size F: plaintext bytes per full frame          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   base nonce (12 bytes) ...                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   wrap nonce (12 bytes) ...                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  wrapped data key (48 bytes: 32 key + 16 GCM tag) ...         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   header: 82 + L bytes
 * |  frame 0: ciphertext (F bytes) + tag (16 bytes) ...           |
 * |  ...                                                          |
 * |  frame n: ciphertext (0..F bytes) + tag (16 bytes): the last  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * <ul>
 *   <li>The data key is sealed under the KEK with the wrap nonce, AAD = the header up to the wrapped key, then
 *       the context (UTF-8): a changed header field or another context fails here.</li>
 *   <li>Frame {@code i} is sealed under the data key with nonce = base nonce XOR {@code i} (in its last 8
 *       bytes), AAD = the whole header, one byte {@code 1} for the last frame ({@code 0} otherwise), then the
 *       context. Every frame but the last is full; there is always a last frame (an empty object has one frame of
 *       just a tag), so a cut at a frame boundary, a dropped, repeated or swapped frame, or bytes appended all
 *       fail authentication.</li>
 * </ul>
 * Decryption writes nothing a caller can see before the whole object is authenticated: files go to a temporary
 * file renamed into place at the end; arrays are returned only whole.
 *
 * <p>Threads: immutable and thread-safe; each call uses its own {@link Cipher}.
 */
public final class ObjectCipher {

    static final byte[] MAGIC = {'J', 'T', 'O', 'E'};
    static final int VERSION = 1;
    static final int KEY_BYTES = 32;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    static final int WRAPPED_KEY_BYTES = KEY_BYTES + TAG_BYTES;
    static final int MAX_KEY_ID_BYTES = 64;
    /** Offsets: magic 0, version 4, key id length 5, key id 6; the rest follows the key id. */
    static final int KEY_ID_OFFSET = 6;
    /** Header bytes besides the key id: magic, version, id length, frame size, two nonces, wrapped key. */
    static final int HEADER_FIXED_BYTES = 4 + 1 + 1 + 4 + NONCE_BYTES + NONCE_BYTES + WRAPPED_KEY_BYTES;
    static final int DEFAULT_FRAME_SIZE = 1 << 20;
    /** The largest frame a reader accepts: bounds the memory a hostile header can make it take. */
    static final int MAX_FRAME_SIZE = 16 << 20;

    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private final Map<String, SecretKey> keys;
    private final String currentKeyId;
    private final int frameSize;
    private final SecureRandom random;

    private ObjectCipher(Map<String, SecretKey> keys, String currentKeyId, int frameSize, SecureRandom random) {
        this.keys = keys;
        this.currentKeyId = currentKeyId;
        this.frameSize = frameSize;
        this.random = random;
    }

    /** Reads the key file; an {@link IOException} naming the file and line if it is malformed. */
    public static ObjectCipher load(Path keyFile) throws IOException {
        List<String> lines = Files.readAllLines(keyFile, StandardCharsets.UTF_8);
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        String last = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = "key file " + keyFile + " line " + (i + 1) + ": ";
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new IOException(where + "expected ID:BASE64 (a 32-byte key in base64)");
            }
            String id = line.substring(0, colon).strip();
            if (!KEY_ID.matcher(id).matches()) {
                throw new IOException(where + "key id '" + printable(id) + "' must be 1 to 64 of A-Z a-z 0-9 . _ -");
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(line.substring(colon + 1).strip());
            } catch (IllegalArgumentException e) {
                throw new IOException(where + "key '" + id + "' is not valid base64");
            }
            if (key.length != KEY_BYTES) {
                throw new IOException(where + "key '" + id + "' is " + key.length + " bytes, must be " + KEY_BYTES
                        + " (AES-256)");
            }
            if (keys.putIfAbsent(id, new SecretKeySpec(key, "AES")) != null) {
                throw new IOException(where + "key id '" + id + "' appears twice");
            }
            Arrays.fill(key, (byte) 0);
            last = id;
        }
        if (last == null) {
            throw new IOException("key file " + keyFile + " holds no key (lines ID:BASE64)");
        }
        return new ObjectCipher(Collections.unmodifiableMap(keys), last, DEFAULT_FRAME_SIZE, new SecureRandom());
    }

    /** The same keys, another frame size for new objects (tests: many frames from little data). */
    ObjectCipher withFrameSize(int size) {
        if (size < 1 || size > MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("frame size must be 1.." + MAX_FRAME_SIZE + ": " + size);
        }
        return new ObjectCipher(keys, currentKeyId, size, random);
    }

    /** The id of the key that encrypts: the last one in the key file. */
    public String currentKeyId() {
        return currentKeyId;
    }

    /**
     * Encrypts {@code plain} into {@code sealed} (streamed, frame by frame; written to a temporary file renamed
     * into place), binding {@code context} (e.g. the object key). Returns the key id used.
     */
    public String encrypt(Path plain, Path sealed, String context) throws IOException {
        Path temp = temporarySibling(sealed, ".sealing-");
        try {
            try (InputStream in = Files.newInputStream(plain); OutputStream out = Files.newOutputStream(temp)) {
                encrypt(in, out, context);
            }
            Files.move(temp, sealed, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return currentKeyId;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Decrypts and authenticates {@code sealed} into {@code plain} (replaced). {@link TamperedObjectException} on
     * any authentication failure, truncation, unknown key id or bad header; then {@code plain} is untouched and no
     * partial plaintext is left anywhere.
     */
    public void decrypt(Path sealed, Path plain, String context) throws IOException {
        Path temp = temporarySibling(plain, ".opening-");
        try {
            try (InputStream in = Files.newInputStream(sealed); OutputStream out = Files.newOutputStream(temp)) {
                decrypt(in, out, context);
            }
            Files.move(temp, plain, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Encrypts a small object (a manifest) in memory; the same format as files. */
    public byte[] encrypt(byte[] plain, String context) {
        var out = new ByteArrayOutputStream(plain.length + HEADER_FIXED_BYTES + MAX_KEY_ID_BYTES
                + TAG_BYTES * (plain.length / frameSize + 1));
        try {
            encrypt(new ByteArrayInputStream(plain), out, context);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // no I/O in memory
        }
        return out.toByteArray();
    }

    /** Decrypts a small object in memory; nothing is returned unless all of it authenticates. */
    public byte[] decrypt(byte[] sealed, String context) throws TamperedObjectException {
        var out = new ByteArrayOutputStream(sealed.length);
        try {
            decrypt(new ByteArrayInputStream(sealed), out, context);
        } catch (TamperedObjectException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // no I/O in memory
        }
        return out.toByteArray();
    }

    private void encrypt(InputStream in, OutputStream out, String context) throws IOException {
        byte[] aadContext = context(context);
        byte[] dataKey = new byte[KEY_BYTES];
        byte[] baseNonce = new byte[NONCE_BYTES];
        byte[] wrapNonce = new byte[NONCE_BYTES];
        random.nextBytes(dataKey);
        random.nextBytes(baseNonce);
        random.nextBytes(wrapNonce);
        byte[] id = currentKeyId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer header = ByteBuffer.allocate(HEADER_FIXED_BYTES + id.length);
        header.put(MAGIC).put((byte) VERSION).put((byte) id.length).put(id).putInt(frameSize)
                .put(baseNonce).put(wrapNonce);
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(TAG_BYTES * 8, wrapNonce));
            cipher.updateAAD(header.array(), 0, header.position());
            cipher.updateAAD(aadContext);
            header.put(cipher.doFinal(dataKey));
            byte[] headerBytes = header.array();
            out.write(headerBytes);

            SecretKey frameKey = new SecretKeySpec(dataKey, "AES");
            byte[] current = new byte[frameSize];
            byte[] next = new byte[frameSize];
            byte[] sealedFrame = new byte[frameSize + TAG_BYTES];
            int currentLength = in.readNBytes(current, 0, frameSize);
            for (long index = 0; ; index++) {
                int nextLength = currentLength == frameSize ? in.readNBytes(next, 0, frameSize) : 0;
                boolean last = nextLength == 0;
                cipher.init(Cipher.ENCRYPT_MODE, frameKey, frameNonce(baseNonce, index));
                frameAad(cipher, headerBytes, last, aadContext);
                int n = cipher.doFinal(current, 0, currentLength, sealedFrame, 0);
                out.write(sealedFrame, 0, n);
                if (last) {
                    break;
                }
                byte[] swap = current;
                current = next;
                next = swap;
                currentLength = nextLength;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed while encrypting", e);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    private void decrypt(InputStream in, OutputStream out, String context) throws IOException {
        byte[] aadContext = context(context);
        byte[] start = in.readNBytes(KEY_ID_OFFSET);
        if (start.length < KEY_ID_OFFSET || !Arrays.equals(start, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new TamperedObjectException("not a sealed object: bad magic");
        }
        if (start[4] != VERSION) {
            throw new TamperedObjectException("sealed object of unknown format version " + (start[4] & 0xff));
        }
        int idLength = start[5] & 0xff;
        if (idLength < 1 || idLength > MAX_KEY_ID_BYTES) {
            throw new TamperedObjectException("sealed object with a bad key id length " + idLength);
        }
        byte[] rest = in.readNBytes(HEADER_FIXED_BYTES - KEY_ID_OFFSET + idLength);
        if (rest.length < HEADER_FIXED_BYTES - KEY_ID_OFFSET + idLength) {
            throw new TamperedObjectException("sealed object truncated in its header");
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_FIXED_BYTES + idLength).put(start).put(rest).flip();
        byte[] headerBytes = header.array();
        String id = new String(headerBytes, KEY_ID_OFFSET, idLength, StandardCharsets.US_ASCII);
        SecretKey kek = keys.get(id);
        if (kek == null) {
            throw new TamperedObjectException("sealed object under key id '" + printable(id)
                    + "', which the key file does not hold (it holds " + keys.keySet() + ")");
        }
        header.position(KEY_ID_OFFSET + idLength);
        int size = header.getInt();
        if (size < 1 || size > MAX_FRAME_SIZE) {
            throw new TamperedObjectException("sealed object with a bad frame size " + size);
        }
        byte[] baseNonce = new byte[NONCE_BYTES];
        byte[] wrapNonce = new byte[NONCE_BYTES];
        header.get(baseNonce).get(wrapNonce);
        int wrappedAt = header.position();
        byte[] dataKey = null;
        try {
            Cipher cipher = Cipher.getInstance(TRANSFORMATION);
            cipher.init(Cipher.DECRYPT_MODE, kek, new GCMParameterSpec(TAG_BYTES * 8, wrapNonce));
            cipher.updateAAD(headerBytes, 0, wrappedAt);
            cipher.updateAAD(aadContext);
            try {
                dataKey = cipher.doFinal(headerBytes, wrappedAt, WRAPPED_KEY_BYTES);
            } catch (AEADBadTagException e) {
                throw new TamperedObjectException("sealed object's data key does not authenticate under key '" + id
                        + "': its header was altered, or it was sealed for another context than '"
                        + printable(context) + "'", e);
            }
            openFrames(in, out, cipher, new SecretKeySpec(dataKey, "AES"), headerBytes, baseNonce, size,
                    aadContext);
        } catch (TamperedObjectException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed while decrypting", e);
        } finally {
            if (dataKey != null) {
                Arrays.fill(dataKey, (byte) 0);
            }
        }
    }

    private static void openFrames(InputStream in, OutputStream out, Cipher cipher, SecretKey frameKey,
            byte[] header, byte[] baseNonce, int size, byte[] aadContext) throws IOException, GeneralSecurityException {
        int full = size + TAG_BYTES;
        byte[] current = new byte[full];
        byte[] next = new byte[full];
        byte[] plain = new byte[size];
        int currentLength = in.readNBytes(current, 0, full);
        for (long index = 0; ; index++) {
            if (currentLength < TAG_BYTES) {
                throw new TamperedObjectException("sealed object truncated: frame " + index + " is "
                        + currentLength + " bytes, shorter than its tag");
            }
            int nextLength = currentLength == full ? in.readNBytes(next, 0, full) : 0;
            boolean last = nextLength == 0;
            cipher.init(Cipher.DECRYPT_MODE, frameKey, frameNonce(baseNonce, index));
            frameAad(cipher, header, last, aadContext);
            int n;
            try {
                n = cipher.doFinal(current, 0, currentLength, plain, 0);
            } catch (AEADBadTagException e) {
                throw new TamperedObjectException("sealed object's frame " + index + (last ? " (the last)" : "")
                        + " does not authenticate: altered, reordered or truncated", e);
            }
            out.write(plain, 0, n);
            if (last) {
                return;
            }
            byte[] swap = current;
            current = next;
            next = swap;
            currentLength = nextLength;
        }
    }

    private static GCMParameterSpec frameNonce(byte[] baseNonce, long index) {
        byte[] nonce = baseNonce.clone();
        for (int i = 0; i < Long.BYTES; i++) {
            nonce[NONCE_BYTES - 1 - i] ^= (byte) (index >>> (8 * i));
        }
        return new GCMParameterSpec(TAG_BYTES * 8, nonce);
    }

    private static void frameAad(Cipher cipher, byte[] header, boolean last, byte[] context) {
        cipher.updateAAD(header);
        cipher.updateAAD(new byte[] {(byte) (last ? 1 : 0)});
        cipher.updateAAD(context);
    }

    private static byte[] context(String context) {
        return Objects.requireNonNull(context, "context").getBytes(StandardCharsets.UTF_8);
    }

    private static Path temporarySibling(Path file, String marker) {
        Path absolute = file.toAbsolutePath();
        return absolute.resolveSibling(absolute.getFileName() + marker + UUID.randomUUID());
    }

    /** At most 64 characters of {@code s}, control characters replaced: for messages about untrusted input. */
    private static String printable(String s) {
        String cut = s.length() > MAX_KEY_ID_BYTES ? s.substring(0, MAX_KEY_ID_BYTES) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
