package io.junction.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import io.junction.broker.internal.group.ConsumerGroup;
import org.junit.jupiter.api.Test;

/**
 * The broker's layers: its API in {@code io.junction.broker}, the engine under {@code io.junction.broker.internal}
 * ({@code internal} for what stations and groups share, {@code internal.station}, {@code internal.group}). Only the
 * broker itself reaches into the engine; the engine's packages do not depend on each other in a cycle, but for the
 * one listed here. {@link PublicApiTest} checks that the API shows no engine type; the server's, the CLI's and the
 * connectors' own {@code LayeringTest}s check that they use none.
 */
class LayeringTest {

    private static final String INTERNAL = "io.junction.broker.internal";
    private static final String GROUP = INTERNAL + ".group";

    /** Every class of Junction on this module's class path: the broker and what it is built on. */
    private static final JavaClasses JUNCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.junction");

    @Test
    void onlyTheBrokerUsesItsEngine() {
        noClasses().that().resideOutsideOfPackage("io.junction.broker..")
                .should().dependOnClassesThat().resideInAPackage(INTERNAL + "..")
                .because("the engine is the broker's business: other modules use io.junction.broker's API")
                .check(JUNCTION);
    }

    /**
     * The engine's packages (each package under {@code internal}, and {@code internal} itself) form no cycle.
     * Known, and the one exception: a consumer group reads its station (partitions, settings, counters) and stores
     * its dead letters in the station's {@code DeadLetters}, while the station owns and drives its groups. Breaking
     * it takes an interface for what a group needs of its station; until then the uses of {@code internal.station}
     * by {@link ConsumerGroup} and its {@code DeadLetterFlow} are the only dependency left out.
     */
    @Test
    void theEnginesPackagesFormNoCycleButTheKnownOne() {
        slices().assignedFrom(ENGINE_PACKAGES).should().beFreeOfCycles()
                .ignoreDependency(DescribedPredicate.describe("ConsumerGroup or its DeadLetterFlow",
                                (JavaClass c) -> isOrIsIn(c, ConsumerGroup.class.getName())
                                        || isOrIsIn(c, GROUP + ".DeadLetterFlow")),
                        DescribedPredicate.describe("a class of internal.station",
                                (JavaClass c) -> c.getPackageName().equals(INTERNAL + ".station")))
                .check(JUNCTION);
    }

    private static boolean isOrIsIn(JavaClass c, String className) {
        return c.getName().equals(className) || c.getName().startsWith(className + "$");
    }

    /** One slice per package of the engine, {@code internal} itself included; every other class is left out. */
    private static final SliceAssignment ENGINE_PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String p = c.getPackageName();
            return p.equals(INTERNAL) || p.startsWith(INTERNAL + ".") ? SliceIdentifier.of(p)
                    : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the packages of the broker's engine";
        }
    };
}
