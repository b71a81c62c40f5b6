package io.junction.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import io.junction.broker.internal.group.GroupStation;
import org.junit.jupiter.api.Test;

/**
 * The broker's layers: its API in {@code io.junction.broker}, the engine under {@code io.junction.broker.internal}
 * ({@code internal} for what stations and groups share, {@code internal.station}, {@code internal.group}). Only the
 * broker itself reaches into the engine; the engine's packages do not depend on each other in a cycle (a group sees
 * its station through {@link GroupStation}). {@link PublicApiTest} checks that the API shows no engine type; the
 * server's, the CLI's and the connectors' own {@code LayeringTest}s check that they use none.
 */
class LayeringTest {

    private static final String INTERNAL = "io.junction.broker.internal";

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

    /** The engine's packages (each package under {@code internal}, and {@code internal} itself) form no cycle. */
    @Test
    void theEnginesPackagesFormNoCycle() {
        slices().assignedFrom(ENGINE_PACKAGES).should().beFreeOfCycles().check(JUNCTION);
    }

    /**
     * The station owns and drives its groups; a group sees its station only through {@link GroupStation}, which
     * the station implements (its partitions, settings, clock, counters and dead-letter station).
     */
    @Test
    void aGroupSeesItsStationOnlyThroughGroupStation() {
        noClasses().that().resideInAPackage(INTERNAL + ".group")
                .should().dependOnClassesThat().resideInAPackage(INTERNAL + ".station")
                .because("a group needs of its station only what GroupStation offers")
                .check(JUNCTION);
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
