package io.junction.server;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The server maps the wire to the broker and nothing below it: its code never uses the storage engine's types
 * (io.junction.log) nor the broker's engine (io.junction.broker.internal), only the broker's API.
 */
class LayeringTest {

    private static final JavaClasses SERVER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.junction.server");

    @Test
    void serverCodeNeverUsesTheLogButThroughTheBroker() {
        noClasses().should().dependOnClassesThat(resideInAPackage("io.junction.log.."))
                .because("the server talks to the broker; the log is the broker's business")
                .check(SERVER);
    }

    @Test
    void serverCodeUsesOnlyTheBrokersApi() {
        noClasses().should().dependOnClassesThat(resideInAPackage("io.junction.broker.internal.."))
                .because("the broker's API is io.junction.broker; its engine may change under it")
                .check(SERVER);
    }
}
