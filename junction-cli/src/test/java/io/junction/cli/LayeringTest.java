package io.junction.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The CLI drives the server and the client; it never uses the storage engine's types (io.junction.log) nor the
 * broker's engine (io.junction.broker.internal).
 */
class LayeringTest {

    private static final JavaClasses CLI = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.junction.cli");

    @Test
    void cliCodeNeverUsesTheLog() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.junction.log..")
                .because("the CLI configures the server through the broker's and the server's types")
                .check(CLI);
    }

    @Test
    void cliCodeUsesOnlyTheBrokersApi() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.junction.broker.internal..")
                .because("the broker's API is io.junction.broker; its engine may change under it")
                .check(CLI);
    }
}
