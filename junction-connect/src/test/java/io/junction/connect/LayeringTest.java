package io.junction.connect;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Connectors run beside the broker and reach it through its API only, never through the broker's engine
 * (io.junction.broker.internal). (They do use the log's file helpers, {@code DurableFiles} and {@code FileTrees}.)
 */
class LayeringTest {

    private static final JavaClasses CONNECT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.junction.connect");

    @Test
    void connectorsUseOnlyTheBrokersApi() {
        noClasses().should().dependOnClassesThat().resideInAPackage("io.junction.broker.internal..")
                .because("the broker's API is io.junction.broker; its engine may change under it")
                .check(CONNECT);
    }
}
