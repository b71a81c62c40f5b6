package io.junction.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Token secrets: {@code jn_ID_SECRET}, where ID (20 hex digits) names the token or session and SECRET is 256
 * random bits (unpadded Base64url). The broker keeps only the SHA-256 of the whole string, looks a token up by its
 * id and compares the digests in constant time. Stateless; thread-safe.
 */
public final class Secrets {

    static final String PREFIX = "jn_";
    static final int ID_HEX = 20;
    static final int SECRET_BYTES = 32;
    /** Length of a token string: prefix, id, '_', 43 Base64url characters. */
    static final int LENGTH = PREFIX.length() + ID_HEX + 1 + 43;

    private Secrets() {
    }

    /** A new token string. */
    static String newToken(SecureRandom random) {
        byte[] id = new byte[ID_HEX / 2];
        random.nextBytes(id);
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        return PREFIX + HexFormat.of().formatHex(id) + "_" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(secret);
    }

    /** The id of a token string, or null if it is not shaped like one. */
    static String id(String token) {
        if (token == null || token.length() != LENGTH || !token.startsWith(PREFIX)
                || token.charAt(PREFIX.length() + ID_HEX) != '_') {
            return null;
        }
        String id = token.substring(PREFIX.length(), PREFIX.length() + ID_HEX);
        for (int i = 0; i < id.length(); i++) {
            if (Character.digit(id.charAt(i), 16) < 0 || Character.isUpperCase(id.charAt(i))) {
                return null;
            }
        }
        return id;
    }

    /** SHA-256 of {@code text}'s UTF-8 bytes, in hex. */
    static String sha256(String text) {
        return HexFormat.of().formatHex(digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] digest(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Whether two hex digests are equal, in time that does not depend on where they differ. */
    static boolean sameDigest(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }
}
