package io.junction.broker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.junction.log.PartitionLog;
import org.junit.jupiter.api.Test;

/**
 * The broker keeps every log behind the {@link io.junction.log.PartitionStore} interface: only {@link Broker}
 * names the file store, as the default opener. This is the seam a replicated store (a Raft log) goes under, and
 * what lets {@link MemoryStoreBrokerTest} run the broker without files.
 */
class StoreSeamTest {

    @Test
    void onlyTheBrokersDefaultOpenerNamesTheFileStore() {
        JavaClasses broker = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.junction.broker");
        noClasses().that().doNotHaveFullyQualifiedName(Broker.class.getName())
                .should().dependOnClassesThat().areAssignableTo(PartitionLog.class)
                .because("stations, groups, journals and dead letters use PartitionStore; Broker.open picks the store")
                .check(broker);
    }
}
