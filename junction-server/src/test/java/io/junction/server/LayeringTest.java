package io.junction.server;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The server maps the wire to the broker and nothing below it: its code never uses the storage engine's types
 * (io.junction.log), only the broker's API. One known exception, until the broker has a header type of its own:
 * {@code io.junction.log.Header}, which the broker's OutgoingMessage, Delivery and DeadLetter still carry.
 */
class LayeringTest {

    private static final JavaClasses SERVER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.junction.server");

    @Test
    void serverCodeNeverUsesTheLogButThroughTheBroker() {
        noClasses().should().dependOnClassesThat(resideInAPackage("io.junction.log..")
                        .and(not(type(io.junction.log.Header.class))))
                .because("the server talks to the broker; the log is the broker's business")
                .check(SERVER);
    }
}
