package io.junction.connect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import io.junction.broker.BrokerException;
import io.junction.errors.ErrorCode;
import io.junction.log.DurableFiles;

/**
 * Seals connectors' secrets (database passwords, HTTP credentials) before they are written under the data
 * directory: AES-256-GCM with a key of the broker's own, in a file only its owner can read ({@code
 * connector-secrets.key}, mode 0600, created on first use; or a file the operator names and keeps elsewhere). The
 * associated data binds a sealed value to its tenant, connector and secret name, so it cannot be moved to another
 * connector. What this protects: a connector's file copied, backed up or read without the key shows no secret. It
 * does not protect against someone who can read the key file too. Thread-safe.
 */
public final class SecretBox {

    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private SecretBox(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /** Opens the key in {@code keyFile}, creating it (0600, fsynced) with 256 random bits when it does not exist. */
    public static SecretBox open(Path keyFile) throws IOException {
        if (!Files.exists(keyFile)) {
            byte[] key = new byte[KEY_BYTES];
            new SecureRandom().nextBytes(key);
            DurableFiles.writePrivate(keyFile, key);
        }
        byte[] key = Files.readAllBytes(keyFile);
        if (key.length != KEY_BYTES) {
            throw new IOException("the connectors' secret key " + keyFile + " holds " + key.length
                    + " bytes, not " + KEY_BYTES + ": it is damaged (connectors' sealed secrets cannot be read)");
        }
        return new SecretBox(key);
    }

    /** {@code secret} sealed for {@code context} (tenant/connector/secret), as base64 text. */
    public String seal(String context, String secret) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * The secret {@link #seal} sealed for the same {@code context}.
     *
     * @throws BrokerException INTERNAL when it was sealed under another key or context, or damaged
     */
    public String open(String context, String sealed) {
        try {
            byte[] in = Base64.getDecoder().decode(sealed);
            if (in.length < NONCE_BYTES + TAG_BITS / 8) {
                throw new GeneralSecurityException("too short");
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new BrokerException(ErrorCode.INTERNAL, "a sealed secret of " + context
                    + " cannot be opened (another key, or damaged): create the connector again with its secrets");
        }
    }
}
