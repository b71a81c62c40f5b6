package io.junction.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * Secrets are compared in constant time: password hashes and token digests go through
 * {@link MessageDigest#isEqual}, and no code of this module compares byte arrays with {@link Arrays#equals}
 * (which returns at the first difference). Checked in the bytecode (ArchUnit), so a later "simplification" fails
 * the build.
 */
class ConstantTimeTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.junction.security");

    private static boolean callsIsEqual(Class<?> owner, String method) {
        return CLASSES.get(owner).getMethods().stream().filter(m -> m.getName().equals(method))
                .flatMap(m -> m.getMethodCallsFromSelf().stream())
                .anyMatch(c -> c.getTargetOwner().isEquivalentTo(MessageDigest.class)
                        && c.getName().equals("isEqual"));
    }

    @Test
    void passwordHashesAndTokenDigestsAreComparedWithMessageDigestIsEqual() {
        assertThat(callsIsEqual(Passwords.class, "verify")).isTrue();
        assertThat(callsIsEqual(Secrets.class, "sameDigest")).isTrue();
        // and the token check uses that comparison
        assertThat(CLASSES.get(AccessControl.class).getMethods().stream()
                .filter(m -> m.getName().equals("bearer")).flatMap(m -> m.getMethodCallsFromSelf().stream())
                .map(JavaMethodCall::getName)).contains("sameDigest");
    }

    @Test
    void noByteArrayIsComparedWithArraysEquals() {
        assertThat(CLASSES.stream().flatMap(c -> c.getMethodCallsFromSelf().stream())
                .filter(c -> c.getTargetOwner().isEquivalentTo(Arrays.class) && c.getName().equals("equals"))
                .map(JavaMethodCall::getDescription)).isEmpty();
    }
}
