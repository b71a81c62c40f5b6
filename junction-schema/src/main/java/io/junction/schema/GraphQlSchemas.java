package io.junction.schema;

import graphql.GraphQLError;
import graphql.GraphQLException;
import graphql.language.AstPrinter;
import graphql.language.Document;
import graphql.language.EnumTypeDefinition;
import graphql.language.EnumValueDefinition;
import graphql.language.FieldDefinition;
import graphql.language.InputObjectTypeDefinition;
import graphql.language.InputValueDefinition;
import graphql.language.InterfaceTypeDefinition;
import graphql.language.NonNullType;
import graphql.language.ObjectTypeDefinition;
import graphql.language.TypeDefinition;
import graphql.language.UnionTypeDefinition;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import graphql.schema.idl.TypeDefinitionRegistry;
import graphql.schema.idl.errors.SchemaProblem;
import graphql.validation.ValidationError;
import graphql.validation.Validator;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * GraphQL, as the users' previous broker had it: the definition is an SDL schema (it must build: a {@code Query}
 * type, every type defined), and a message is a GraphQL operation document (UTF-8) that must validate against it
 * (graphql-java's parser and validator). Compatibility compares the type definitions (see {@link #cannotRead}).
 */
final class GraphQlSchemas {

    /** At most this many validation errors are named in a violation. */
    private static final int MAX_ERRORS = 3;

    private GraphQlSchemas() {
    }

    static ParsedSchema parse(String sdl) {
        try {
            TypeDefinitionRegistry registry = new SchemaParser().parse(sdl);
            GraphQLSchema schema = new SchemaGenerator().makeExecutableSchema(registry, RuntimeWiring.MOCKED_WIRING);
            return new Parsed(sdl, registry, schema);
        } catch (SchemaProblem e) {
            throw new SchemaException("not a valid GraphQL schema: " + e.getErrors().stream()
                    .map(GraphQLError::getMessage).collect(Collectors.joining("; ")), e);
        } catch (GraphQLException e) {
            throw new SchemaException("not a valid GraphQL schema: " + e.getMessage(), e);
        }
    }

    private record Parsed(String definition, TypeDefinitionRegistry registry, GraphQLSchema schema)
            implements ParsedSchema {

        @Override
        public SchemaType type() {
            return SchemaType.GRAPHQL;
        }

        @Override
        public String violation(byte[] value) {
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
            } catch (CharacterCodingException e) {
                return "not a GraphQL document: not UTF-8";
            }
            Document document;
            try {
                document = Parser.parse(text);
            } catch (InvalidSyntaxException e) {
                return "not a GraphQL document: " + e.getMessage();
            }
            List<ValidationError> errors = new Validator().validateDocument(schema, document, Locale.ENGLISH);
            if (errors.isEmpty()) {
                return null;
            }
            String named = errors.stream().limit(MAX_ERRORS).map(ValidationError::getDescription)
                    .collect(Collectors.joining("; "));
            return errors.size() > MAX_ERRORS ? named + "; and " + (errors.size() - MAX_ERRORS) + " more" : named;
        }

        /**
         * The rules: every operation valid against the writer must stay valid against the reader, so nothing the
         * writer defines may go — TYPE_REMOVED, TYPE_KIND_CHANGED, FIELD_REMOVED, FIELD_TYPE_CHANGED,
         * ARGUMENT_REMOVED, ARGUMENT_TYPE_CHANGED, INPUT_FIELD_REMOVED, INPUT_FIELD_TYPE_CHANGED,
         * ENUM_VALUE_REMOVED, UNION_MEMBER_REMOVED — and nothing may become required that old operations do not
         * send: REQUIRED_ARGUMENT_ADDED, REQUIRED_INPUT_FIELD_ADDED (non-null, no default). Added types, fields,
         * optional arguments, enum values and union members are fine. Type extensions are not compared.
         */
        @Override
        public List<String> cannotRead(ParsedSchema writer) {
            List<String> problems = new ArrayList<>();
            var readerTypes = registry.types();
            for (TypeDefinition<?> w : ((Parsed) writer).registry.types().values()) {
                TypeDefinition<?> r = readerTypes.get(w.getName());
                String at = w.getName();
                if (r == null && registry.scalars().containsKey(w.getName())) {
                    problems.add("TYPE_KIND_CHANGED at " + at + ": " + kind(w) + " -> scalar");
                } else if (r == null) {
                    problems.add("TYPE_REMOVED at " + at);
                } else if (r.getClass() != w.getClass()) {
                    problems.add("TYPE_KIND_CHANGED at " + at + ": " + kind(w) + " -> " + kind(r));
                } else if (w instanceof ObjectTypeDefinition wo) {
                    fields(wo.getFieldDefinitions(), ((ObjectTypeDefinition) r).getFieldDefinitions(), at, problems);
                } else if (w instanceof InterfaceTypeDefinition wi) {
                    fields(wi.getFieldDefinitions(), ((InterfaceTypeDefinition) r).getFieldDefinitions(), at,
                            problems);
                } else if (w instanceof InputObjectTypeDefinition win) {
                    inputs(win.getInputValueDefinitions(), ((InputObjectTypeDefinition) r).getInputValueDefinitions(),
                            at, "INPUT_FIELD", problems);
                } else if (w instanceof EnumTypeDefinition we) {
                    Map<String, EnumValueDefinition> kept = byName(((EnumTypeDefinition) r).getEnumValueDefinitions(),
                            EnumValueDefinition::getName);
                    for (EnumValueDefinition v : we.getEnumValueDefinitions()) {
                        if (!kept.containsKey(v.getName())) {
                            problems.add("ENUM_VALUE_REMOVED at " + at + "." + v.getName());
                        }
                    }
                } else if (w instanceof UnionTypeDefinition wu) {
                    List<String> members = ((UnionTypeDefinition) r).getMemberTypes().stream()
                            .map(m -> AstPrinter.printAst(m)).toList();
                    for (String m : wu.getMemberTypes().stream().map(t -> AstPrinter.printAst(t)).toList()) {
                        if (!members.contains(m)) {
                            problems.add("UNION_MEMBER_REMOVED at " + at + ": " + m);
                        }
                    }
                }
            }
            for (String scalar : ((Parsed) writer).registry.scalars().keySet()) {
                if (!registry.scalars().containsKey(scalar)) {
                    problems.add((readerTypes.containsKey(scalar) ? "TYPE_KIND_CHANGED at " + scalar
                            + ": scalar -> " + kind(readerTypes.get(scalar)) : "TYPE_REMOVED at " + scalar));
                }
            }
            return problems;
        }

        private static void fields(List<FieldDefinition> writer, List<FieldDefinition> reader, String type,
                List<String> problems) {
            Map<String, FieldDefinition> kept = byName(reader, FieldDefinition::getName);
            for (FieldDefinition w : writer) {
                FieldDefinition r = kept.get(w.getName());
                String at = type + "." + w.getName();
                if (r == null) {
                    problems.add("FIELD_REMOVED at " + at);
                    continue;
                }
                if (!AstPrinter.printAst(r.getType()).equals(AstPrinter.printAst(w.getType()))) {
                    problems.add("FIELD_TYPE_CHANGED at " + at + ": " + AstPrinter.printAst(w.getType()) + " -> "
                            + AstPrinter.printAst(r.getType()));
                }
                inputs(w.getInputValueDefinitions(), r.getInputValueDefinitions(), at, "ARGUMENT", problems);
            }
        }

        private static void inputs(List<InputValueDefinition> writer, List<InputValueDefinition> reader, String at,
                String what, List<String> problems) {
            Map<String, InputValueDefinition> kept = byName(reader, InputValueDefinition::getName);
            Map<String, InputValueDefinition> before = byName(writer, InputValueDefinition::getName);
            for (InputValueDefinition w : writer) {
                InputValueDefinition r = kept.get(w.getName());
                if (r == null) {
                    problems.add(what + "_REMOVED at " + at + "(" + w.getName() + ")");
                } else if (!AstPrinter.printAst(r.getType()).equals(AstPrinter.printAst(w.getType()))) {
                    problems.add(what + "_TYPE_CHANGED at " + at + "(" + w.getName() + "): "
                            + AstPrinter.printAst(w.getType()) + " -> " + AstPrinter.printAst(r.getType()));
                }
            }
            for (InputValueDefinition r : reader) {
                if (!before.containsKey(r.getName()) && r.getType() instanceof NonNullType
                        && r.getDefaultValue() == null) {
                    problems.add("REQUIRED_" + what + "_ADDED at " + at + "(" + r.getName() + ")");
                }
            }
        }

        private static <T> Map<String, T> byName(List<T> items, Function<T, String> name) {
            return items.stream().collect(Collectors.toMap(name, i -> i, (a, b) -> a));
        }

        private static String kind(TypeDefinition<?> t) {
            return t.getClass().getSimpleName().replace("TypeDefinition", "").toLowerCase(Locale.ROOT);
        }
    }
}
