package io.junction.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GraphQL: SDL definitions, operation documents as values, and the compatibility rules between versions. */
class GraphQlSchemasTest {

    private static final String V1 = """
            type Query { employee(id: ID!): Employee, employees(team: String): [Employee] }
            type Employee { id: ID!, name: String, team: Team }
            enum Team { HR, PAYROLL }
            input Hire { name: String!, team: Team }
            type Mutation { hire(input: Hire!): Employee }
            """;

    private static ParsedSchema graphql(String sdl) {
        return Schemas.parse(SchemaType.GRAPHQL, sdl);
    }

    private static String violation(String document) {
        return graphql(V1).violation(document.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldAcceptOperationsThatValidateAgainstTheSchemaOnly() {
        assertThat(violation("{ employee(id: \"7\") { id name team } }")).isNull();
        assertThat(violation("mutation { hire(input: {name: \"Ada\", team: HR}) { id } }")).isNull();
        assertThat(violation("{ employee(id: \"7\") { salary } }")).contains("salary");
        assertThat(violation("{ employee { id } }")).contains("id");
        assertThat(violation("mutation { hire(input: {team: HR}) { id } }")).contains("name");
        assertThat(violation("{ employee(id: ")).startsWith("not a GraphQL document");
        assertThat(graphql(V1).violation(new byte[] {(byte) 0xff, 0x7b})).isEqualTo("not a GraphQL document: not UTF-8");
    }

    @Test
    void shouldRefuseASchemaThatDoesNotBuildWithTheReason() {
        assertThatThrownBy(() -> graphql("type Query { x: Nope }")).isInstanceOf(SchemaException.class)
                .hasMessageStartingWith("not a valid GraphQL schema").hasMessageContaining("Nope");
        assertThatThrownBy(() -> graphql("type Query {")).hasMessageStartingWith("not a valid GraphQL schema");
        assertThatThrownBy(() -> graphql("type Employee { id: ID }")).hasMessageStartingWith(
                "not a valid GraphQL schema");
    }

    /** What keeps {@code newer} from reading what {@code older} allowed (BACKWARD's check, without the prefix). */
    private static List<String> backward(String older, String newer) {
        return graphql(newer).cannotRead(graphql(older));
    }

    @Test
    void shouldFollowTheCompatibilityRules() {
        assertThat(backward(V1, V1.replace("name: String, team", "name: String, email: String, team")))
                .as("a field added").isEmpty();
        assertThat(backward(V1, V1.replace("employees(team: String)", "employees(team: String, limit: Int)")))
                .as("an optional argument added").isEmpty();
        assertThat(backward(V1, V1.replace("HR, PAYROLL", "HR, PAYROLL, AUDIT"))).as("an enum value added").isEmpty();
        assertThat(backward(V1, V1.replace("name: String, team: Team }", "team: Team }")))
                .containsExactly("FIELD_REMOVED at Employee.name");
        assertThat(backward(V1, V1.replace("name: String, team: Team }", "name: Int, team: Team }")))
                .containsExactly("FIELD_TYPE_CHANGED at Employee.name: String -> Int");
        assertThat(backward(V1, V1.replace("employees(team: String)", "employees(team: String, limit: Int!)")))
                .containsExactly("REQUIRED_ARGUMENT_ADDED at Query.employees(limit)");
        assertThat(backward(V1, V1.replace("employees(team: String)", "employees")))
                .containsExactly("ARGUMENT_REMOVED at Query.employees(team)");
        assertThat(backward(V1, V1.replace("HR, PAYROLL", "HR"))).containsExactly("ENUM_VALUE_REMOVED at Team.PAYROLL");
        assertThat(backward(V1, V1.replace("team: Team }\n", "team: Team, startDate: String! }\n")))
                .containsExactly("REQUIRED_INPUT_FIELD_ADDED at Hire(startDate)");
        assertThat(backward(V1, V1.replace("enum Team { HR, PAYROLL }", "scalar Team"))).containsExactly(
                "TYPE_KIND_CHANGED at Team: enum -> scalar");
        assertThat(backward(V1 + "scalar Date\n", V1)).containsExactly("TYPE_REMOVED at Date");
        // Forward: the old schema must read what the new one allows — a field added is then a problem.
        assertThat(Compatibility.FORWARD.check(graphql(V1.replace("name: String, team", "name: String, age: Int, team")),
                List.of(graphql(V1)))).singleElement().asString().contains("FIELD_REMOVED at Employee.age");
    }
}
