package io.junction.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import org.junit.jupiter.api.Test;

import io.junction.errors.ErrorCode;

class PasswordsTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Known answers from the reference implementation (Debian's {@code argon2} command, 0~20171227:
     * {@code echo -n PASSWORD | argon2 SALT -id -t T -k M -p P -l 32 -e}): our hashes are real Argon2id.
     */
    @Test
    void checksHashesMadeByTheReferenceImplementation() {
        assertThat(Passwords.verify("$argon2id$v=19$m=19456,t=2,p=1$anVuY3Rpb24tc2FsdC0wMQ"
                + "$lO7mn+9jQ5Go6I/t5pesgw1CeayUTQIP4fDpON8DWg8", utf8("correct horse battery staple"))).isTrue();
        assertThat(Passwords.verify("$argon2id$v=19$m=4096,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA"
                + "$lps7Fa96O8FQ/PiYGr6KtQ+ZK2TwI+wdybzn/+FKLVg", utf8("pässwörd-ü"))).isTrue();
        assertThat(Passwords.verify("$argon2id$v=19$m=19456,t=2,p=1$anVuY3Rpb24tc2FsdC0wMQ"
                + "$lO7mn+9jQ5Go6I/t5pesgw1CeayUTQIP4fDpON8DWg8", utf8("correct horse battery stapler"))).isFalse();
    }

    @Test
    void hashesWithOwaspsArgon2idSettingAsAPhcString() {
        String phc = Passwords.hash(utf8("correct horse battery staple"), new SecureRandom());

        assertThat(phc).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(Passwords.parameters(phc)).isEqualTo("m=19456,t=2,p=1");
        String[] parts = phc.split("\\$");
        assertThat(java.util.Base64.getDecoder().decode(parts[4])).hasSize(16); // salt
        assertThat(java.util.Base64.getDecoder().decode(parts[5])).hasSize(32); // hash
        assertThat(Passwords.verify(phc, utf8("correct horse battery staple"))).isTrue();
        assertThat(Passwords.verify(phc, utf8("Correct horse battery staple"))).isFalse();
    }

    @Test
    void saltsEachHashAfresh() {
        SecureRandom random = new SecureRandom();
        assertThat(Passwords.hash(utf8("same password"), random))
                .isNotEqualTo(Passwords.hash(utf8("same password"), random));
    }

    @Test
    void refusesMalformedOrAbsurdHashesWithoutComputing() {
        byte[] p = utf8("whatever1");
        assertThat(Passwords.verify(null, p)).isFalse();
        assertThat(Passwords.verify("", p)).isFalse();
        assertThat(Passwords.verify("$argon2i$v=19$m=19456,t=2,p=1$anVuY3Rpb24tc2FsdC0wMQ$lO7mn+9jQ5Go6I/t5pesgw1CeayUTQIP4fDpON8DWg8", p))
                .isFalse();
        // 64 GiB of memory asked by a tampered file: refused, not attempted
        assertThat(Passwords.verify("$argon2id$v=19$m=67108864,t=2,p=1$anVuY3Rpb24tc2FsdC0wMQ"
                + "$lO7mn+9jQ5Go6I/t5pesgw1CeayUTQIP4fDpON8DWg8", p)).isFalse();
    }

    @Test
    void boundsPasswordLength() {
        assertThatThrownBy(() -> Passwords.check("short")).isInstanceOfSatisfying(AccessException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> Passwords.check("x".repeat(Passwords.MAX_BYTES + 1)))
                .isInstanceOfSatisfying(AccessException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThat(Passwords.check("eight ch")).hasSize(8);
    }
}
