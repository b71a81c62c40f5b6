package io.junction.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import io.junction.errors.ErrorCode;

/**
 * Password hashes: Argon2id (Bouncy Castle) with OWASP's first recommended setting — 19 MiB of memory, 2 passes,
 * 1 lane — a 16-byte random salt and a 32-byte hash, written as a PHC string
 * ({@code $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH}, unpadded Base64). A hash is checked with the settings it was
 * written with, so raising them later keeps old hashes valid; the comparison takes the same time wherever the
 * bytes differ. Stateless; thread-safe.
 */
public final class Passwords {

    public static final int MEMORY_KIB = 19 * 1024;
    public static final int ITERATIONS = 2;
    public static final int PARALLELISM = 1;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    /** Shortest password accepted (NIST SP 800-63B's minimum). */
    public static final int MIN_LENGTH = 8;
    /** Longest password accepted, in bytes of UTF-8: bounds the work a login can ask for. */
    public static final int MAX_BYTES = 1024;
    /** The most memory a stored hash may ask for when checked (a tampered file must not exhaust the heap). */
    static final int MAX_MEMORY_KIB = 1 << 20;

    private static final Pattern PHC = Pattern.compile(
            "^\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]{16,})\\$([A-Za-z0-9+/]{16,})$");
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private Passwords() {
    }

    /** INVALID_ARGUMENT unless the password has {@value #MIN_LENGTH} to {@value #MAX_BYTES} (UTF-8) bytes. */
    public static byte[] check(String password) {
        if (password == null || password.codePointCount(0, password.length()) < MIN_LENGTH) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "a password needs at least " + MIN_LENGTH
                    + " characters");
        }
        byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BYTES) {
            throw new AccessException(ErrorCode.INVALID_ARGUMENT, "a password may have at most " + MAX_BYTES
                    + " bytes");
        }
        return bytes;
    }

    /** The PHC string of a new hash of {@code password}, with a fresh salt. */
    public static String hash(byte[] password, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = argon2(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** Whether {@code password} is the one {@code phc} was made from; false for a malformed or absurd hash. */
    public static boolean verify(String phc, byte[] password) {
        Matcher m = phc == null ? null : PHC.matcher(phc);
        if (m == null || !m.matches()) {
            return false;
        }
        int memory = Integer.parseInt(m.group(1));
        int iterations = Integer.parseInt(m.group(2));
        int parallelism = Integer.parseInt(m.group(3));
        if (memory < 8 * parallelism || memory > MAX_MEMORY_KIB || iterations < 1 || parallelism < 1) {
            return false;
        }
        byte[] salt = B64D.decode(m.group(4));
        byte[] expected = B64D.decode(m.group(5));
        byte[] actual = argon2(password, salt, memory, iterations, parallelism, expected.length);
        return MessageDigest.isEqual(expected, actual);
    }

    /** The parameters of a PHC string, e.g. {@code m=19456,t=2,p=1}; empty if it is not one. */
    public static String parameters(String phc) {
        Matcher m = phc == null ? null : PHC.matcher(phc);
        return m != null && m.matches() ? "m=" + m.group(1) + ",t=" + m.group(2) + ",p=" + m.group(3) : "";
    }

    static byte[] argon2(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13).withMemoryAsKB(memoryKib)
                .withIterations(iterations).withParallelism(parallelism).withSalt(salt).build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        generator.generateBytes(password, out);
        return out;
    }
}
