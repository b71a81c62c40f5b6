package io.junction.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ObjectCipher}: round trips, and every kind of tampering refused with nothing of the plaintext left. */
class ObjectCipherTest {

    private static final int FRAME = 64;
    private static final String CONTEXT = "tenant/orders/0/00000000000000000000.log";

    @TempDir
    Path dir;

    long seed;
    Random random;

    @BeforeEach
    void seed() {
        seed = Long.getLong("junction.test.seed", System.nanoTime());
        System.out.println(getClass().getSimpleName() + " seed=" + seed + " (replay: -Djunction.test.seed=" + seed
                + ")");
        random = new Random(seed);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, FRAME - 1, FRAME, FRAME + 1, 2 * FRAME, 5 * FRAME, 5 * FRAME + 17})
    void roundTripsBytesOfAnyLength(int length) throws IOException {
        ObjectCipher cipher = cipher("k1").withFrameSize(FRAME);
        byte[] plain = bytes(length);

        byte[] sealed = cipher.encrypt(plain, CONTEXT);

        int frames = Math.max(1, (length + FRAME - 1) / FRAME); // an exact multiple ends on a full last frame
        assertThat(sealed).hasSize(ObjectCipher.HEADER_FIXED_BYTES + 2 + length + frames * ObjectCipher.TAG_BYTES);
        assertThat(cipher.decrypt(sealed, CONTEXT)).isEqualTo(plain);
        assertThat(cipher.encrypt(plain, CONTEXT)).as("a fresh data key and nonce each time").isNotEqualTo(sealed);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, FRAME, 3 * FRAME, 3 * FRAME + 5})
    void roundTripsFilesOfAnyLength(int length) throws IOException {
        ObjectCipher cipher = cipher("k1").withFrameSize(FRAME);
        Path plain = Files.write(dir.resolve("plain"), bytes(length));
        Path sealed = dir.resolve("sealed");
        Path opened = Files.writeString(dir.resolve("opened"), "replaced");

        assertThat(cipher.encrypt(plain, sealed, CONTEXT)).isEqualTo("k1");
        cipher.decrypt(sealed, opened, CONTEXT);

        assertThat(Files.mismatch(plain, opened)).isEqualTo(-1L);
        assertThat(Files.readAllBytes(sealed)).isEqualTo(Files.readAllBytes(sealed)); // byte arrays: same format
        assertThat(cipher.decrypt(Files.readAllBytes(sealed), CONTEXT)).isEqualTo(Files.readAllBytes(plain));
        assertOnlyFiles("plain", "sealed", "opened");
    }

    @Test
    void roundTripsALargeFileInMiBFrames() throws IOException {
        ObjectCipher cipher = cipher("k1");
        Path plain = dir.resolve("plain");
        S3ObjectStoreTest.writeRandom(plain, (3 << 20) + 12345, random);
        Path sealed = dir.resolve("sealed");
        Path opened = dir.resolve("opened");

        cipher.encrypt(plain, sealed, CONTEXT);
        cipher.decrypt(sealed, opened, CONTEXT);

        assertThat(Files.mismatch(plain, opened)).isEqualTo(-1L);
        assertThat(Files.size(sealed)).isEqualTo(Files.size(plain) + ObjectCipher.HEADER_FIXED_BYTES + 2
                + 4 * ObjectCipher.TAG_BYTES);
    }

    @Test
    void anotherContextIsRefused() throws IOException {
        ObjectCipher cipher = cipher("k1").withFrameSize(FRAME);
        byte[] sealed = cipher.encrypt(bytes(200), CONTEXT);

        assertThatThrownBy(() -> cipher.decrypt(sealed, CONTEXT + "x")).isInstanceOf(TamperedObjectException.class)
                .hasMessageContaining("another context");
        assertRefusedAsFile(cipher, sealed, "other");
    }

    @Test
    void aFlippedBitAnywhereIsRefused() throws IOException {
        ObjectCipher cipher = cipher("k1").withFrameSize(FRAME);
        byte[] sealed = cipher.encrypt(bytes(3 * FRAME + 10), CONTEXT);

        for (int i = 0; i < sealed.length; i++) {
            byte[] altered = sealed.clone();
            altered[i] ^= (byte) (1 << random.nextInt(8));
            int at = i;
            assertThatThrownBy(() -> cipher.decrypt(altered, CONTEXT)).as("bit flipped in byte %d", at)
                    .isInstanceOf(TamperedObjectException.class);
        }
    }

    @Test
    void aFlippedBitInEachPartOfAFileLeavesNoPlainFile() throws IOException {
        ObjectCipher cipher = cipher("k1").withFrameSize(FRAME);
        byte[] sealed = cipher.encrypt(bytes(3 * FRAME + 10), CONTEXT);
        int header = ObjectCipher.HEADER_FIXED_BYTES + 2;
        int frame = FRAME + ObjectCipher.TAG_BYTES;
        int[] positions = {
            0, 4, 5, 6, 8, 10, 14, 30, 40, header - ObjectCipher.WRAPPED_KEY_BYTES, header - 1, // header, key
            header, header + FRAME, // frame 0 data, tag
            header + frame + 3, header + 2 * frame - 1, // frame 1
            header + 2 * frame, header + 3 * frame - 2, // frame 2
            header + 3 * frame, sealed.length - 1, // the last, short frame
        };
        for (int p : positions) {
            byte[] altered = sealed.clone();
            altered[p] ^= (byte) (1 << random.nextInt(8));
            assertRefusedAsFile(cipher, altered, CONTEXT);
        }
    }

    @Test
    void truncationIsRefused() throws IOException {
        ObjectCipher cipher = cipher("k1").withFrameSize(FRAME);
        byte[] exact = cipher.encrypt(bytes(3 * FRAME), CONTEXT);
        byte[] ragged = cipher.encrypt(bytes(3 * FRAME + 10), CONTEXT);
        int header = ObjectCipher.HEADER_FIXED_BYTES + 2;
        int frame = FRAME + ObjectCipher.TAG_BYTES;

        for (int cut : new int[] {header + frame, header + 2 * frame, header, header - 1, 3, 0}) {
            assertRefusedAsFile(cipher, Arrays.copyOf(exact, cut), CONTEXT);
        }
        assertRefusedAsFile(cipher, Arrays.copyOf(ragged, header + 3 * frame), CONTEXT); // the whole last frame
        assertRefusedAsFile(cipher, Arrays.copyOf(ragged, ragged.length - 1), CONTEXT);
        assertRefusedAsFile(cipher, Arrays.copyOf(ragged, ragged.length + 1), CONTEXT); // appended
        assertThatThrownBy(() -> cipher.decrypt(Arrays.copyOf(exact, header + 2 * frame), CONTEXT))
                .isInstanceOf(TamperedObjectException.class).hasMessageContaining("frame 1 (the last)");
    }

    @Test
    void swappedOrRepeatedFramesAreRefused() throws IOException {
        ObjectCipher cipher = cipher("k1").withFrameSize(FRAME);
        byte[] sealed = cipher.encrypt(bytes(3 * FRAME + 10), CONTEXT);
        int header = ObjectCipher.HEADER_FIXED_BYTES + 2;
        int frame = FRAME + ObjectCipher.TAG_BYTES;

        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, header, swapped, header + frame, frame);
        System.arraycopy(sealed, header + frame, swapped, header, frame);
        assertRefusedAsFile(cipher, swapped, CONTEXT);

        byte[] repeated = sealed.clone();
        System.arraycopy(sealed, header, repeated, header + frame, frame);
        assertRefusedAsFile(cipher, repeated, CONTEXT);
    }

    @Test
    void framesOfAnotherObjectUnderTheSameKeyAreRefused() throws IOException {
        ObjectCipher cipher = cipher("k1").withFrameSize(FRAME);
        byte[] one = cipher.encrypt(bytes(2 * FRAME), CONTEXT);
        byte[] two = cipher.encrypt(bytes(2 * FRAME), CONTEXT);
        int header = ObjectCipher.HEADER_FIXED_BYTES + 2;

        byte[] spliced = one.clone();
        System.arraycopy(two, header, spliced, header, spliced.length - header);
        assertRefusedAsFile(cipher, spliced, CONTEXT);
    }

    @Test
    void rotationEncryptsWithTheNewKeyAndStillDecryptsTheOld() throws IOException {
        Path keys = dir.resolve("keys");
        Files.writeString(keys, "# tier keys\n\nold-1:" + key() + "\n");
        ObjectCipher before = ObjectCipher.load(keys);
        byte[] old = before.encrypt(bytes(100), CONTEXT);
        assertThat(before.currentKeyId()).isEqualTo("old-1");

        Files.writeString(keys, "new_2.b:" + key() + "\n", StandardOpenOption.APPEND);
        ObjectCipher after = ObjectCipher.load(keys);
        byte[] fresh = after.encrypt(bytes(100), CONTEXT);

        assertThat(after.currentKeyId()).isEqualTo("new_2.b");
        assertThat(after.decrypt(old, CONTEXT)).isEqualTo(before.decrypt(old, CONTEXT));
        assertThat(after.decrypt(fresh, CONTEXT)).hasSize(100);
        assertThatThrownBy(() -> before.decrypt(fresh, CONTEXT)).isInstanceOf(TamperedObjectException.class)
                .hasMessageContaining("key id 'new_2.b'").hasMessageContaining("does not hold");
    }

    @Test
    void aKeyOfTheSameIdButOtherBytesIsRefused() throws IOException {
        byte[] sealed = cipher("k1").encrypt(bytes(10), CONTEXT);
        assertThatThrownBy(() -> cipher("k1").decrypt(sealed, CONTEXT)).isInstanceOf(TamperedObjectException.class)
                .hasMessageContaining("does not authenticate under key 'k1'");
    }

    @Test
    void somethingElseIsNotASealedObject() throws IOException {
        ObjectCipher cipher = cipher("k1");
        assertThatThrownBy(() -> cipher.decrypt("plain text, not sealed".getBytes(StandardCharsets.UTF_8), CONTEXT))
                .isInstanceOf(TamperedObjectException.class).hasMessageContaining("bad magic");
        assertThatThrownBy(() -> cipher.decrypt(new byte[0], CONTEXT)).isInstanceOf(TamperedObjectException.class);
    }

    @Test
    void malformedKeyFilesAreRefusedNamingTheLine() throws IOException {
        String good = key();
        assertKeyFileRefused("a:" + good + "\nno colon here\n", "line 2", "expected ID:BASE64");
        assertKeyFileRefused("bad id!:" + good + "\n", "line 1", "must be 1 to 64");
        assertKeyFileRefused(":" + good + "\n", "line 1", "must be 1 to 64");
        assertKeyFileRefused("a:not*base64\n", "line 1", "not valid base64");
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertKeyFileRefused("# c\na:" + shortKey + "\n", "line 2", "is 16 bytes, must be 32");
        assertKeyFileRefused("a:" + good + "\na:" + key() + "\n", "line 2", "appears twice");
        assertKeyFileRefused("# only comments\n\n", "holds no key", "holds no key");
        assertThatThrownBy(() -> ObjectCipher.load(dir.resolve("absent"))).isInstanceOf(IOException.class);
    }

    private void assertKeyFileRefused(String content, String where, String why) throws IOException {
        Path file = Files.writeString(dir.resolve("keys"), content);
        assertThatThrownBy(() -> ObjectCipher.load(file)).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining(where).hasMessageContaining(why)
                .satisfies(e -> assertThat(content.lines().map(l -> l.substring(l.indexOf(':') + 1)))
                        .filteredOn(secret -> secret.length() > 8)
                        .allSatisfy(secret -> assertThat(e.getMessage()).doesNotContain(secret)));
    }

    /** Refused from a file too, leaving neither the plain file nor a temporary one. */
    private void assertRefusedAsFile(ObjectCipher cipher, byte[] sealed, String context) throws IOException {
        Path sealedFile = Files.write(dir.resolve("tampered"), sealed);
        Path plain = dir.resolve("plain-out");
        assertThatThrownBy(() -> cipher.decrypt(sealedFile, plain, context))
                .isInstanceOf(TamperedObjectException.class);
        assertThatThrownBy(() -> cipher.decrypt(sealed, context)).isInstanceOf(TamperedObjectException.class);
        assertOnlyFiles("tampered", "keys");
    }

    private void assertOnlyFiles(String... names) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("keys")))
                    .containsExactlyInAnyOrder(Arrays.stream(names).filter(n -> !n.equals("keys"))
                            .toArray(String[]::new));
        }
    }

    private ObjectCipher cipher(String id) throws IOException {
        return ObjectCipher.load(Files.writeString(dir.resolve("keys"), id + ":" + key() + "\n"));
    }

    private String key() {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
