package io.junction.schema;

import com.google.protobuf.AnyProto;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.EmptyProto;
import com.google.protobuf.FieldMaskProto;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StructProto;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.UninitializedMessageException;
import com.google.protobuf.WrappersProto;
import com.google.protobuf.util.JsonFormat;
import com.squareup.wire.schema.CoreLoader;
import com.squareup.wire.schema.ErrorCollector;
import com.squareup.wire.schema.Linker;
import com.squareup.wire.schema.Loader;
import com.squareup.wire.schema.Location;
import com.squareup.wire.schema.ProtoFile;
import com.squareup.wire.schema.Schema;
import com.squareup.wire.schema.internal.SchemaEncoder;
import com.squareup.wire.schema.internal.parser.EnumElement;
import com.squareup.wire.schema.internal.parser.MessageElement;
import com.squareup.wire.schema.internal.parser.ProtoFileElement;
import com.squareup.wire.schema.internal.parser.ProtoParser;
import com.squareup.wire.schema.internal.parser.ReservedElement;
import com.squareup.wire.schema.internal.parser.TypeElement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import kotlin.ranges.IntRange;

/**
 * Protobuf: a {@code .proto} file (proto2 or proto3; imports of the well-known types {@code google/protobuf/*.proto}
 * only) and the message type whose binary encoding a value must be. Square's Wire parses and links the text (it
 * reports what does not resolve, with line and column), its encoder turns the file into a descriptor, and
 * protobuf-java does the rest: parsing values ({@link DynamicMessage}), the JSON mapping ({@link JsonFormat}).
 *
 * <p>A value is valid when it parses as the message type, every required field (proto2) is set, and it holds no
 * field the schema does not declare, at any depth: an unknown field is what random bytes or another type's
 * message most often parse into, so the broker refuses it rather than store something no consumer can read.
 *
 * <p>Compatibility, after the rules of the field (Buf's wire + JSON rules, Confluent's registry), each named in its
 * message; a reader may read a writer when, for every field both know by number: the name is the same
 * (FIELD_RENAMED: the JSON mapping uses names), the name is not now at another number (FIELD_RENUMBERED), the type
 * is the same or a widening that keeps both the wire and the JSON form (int32 → int64, uint32 → uint64, sint32 →
 * sint64; else FIELD_TYPE_CHANGED), singular stays singular (FIELD_CARDINALITY_CHANGED), enum values keep their
 * names (ENUM_VALUE_RENAMED); a field the reader requires is one the writer always sets (REQUIRED_FIELD_ADDED);
 * fields the writer may set together are not in one oneof of the reader (MULTIPLE_FIELDS_MOVED_INTO_ONEOF).
 * Independent of direction, a version may not drop a field or an enum value without reserving its number
 * (FIELD_REMOVED, ENUM_VALUE_REMOVED), so that no later version can reuse it for something else.
 */
final class ProtobufSchemas {

    /** The name the definition goes by while it is linked (and in the parser's messages). */
    private static final String FILE = "schema.proto";
    /** The imports a definition may have: protobuf-java's own copies of the well-known types. */
    private static final Map<String, Descriptors.FileDescriptor> WELL_KNOWN = Map.of(
            "google/protobuf/any.proto", AnyProto.getDescriptor(),
            "google/protobuf/duration.proto", DurationProto.getDescriptor(),
            "google/protobuf/empty.proto", EmptyProto.getDescriptor(),
            "google/protobuf/field_mask.proto", FieldMaskProto.getDescriptor(),
            "google/protobuf/struct.proto", StructProto.getDescriptor(),
            "google/protobuf/timestamp.proto", TimestampProto.getDescriptor(),
            "google/protobuf/wrappers.proto", WrappersProto.getDescriptor(),
            "google/protobuf/descriptor.proto", DescriptorProtos.getDescriptor());
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();

    private ProtobufSchemas() {
    }

    /**
     * @param messageType the fully qualified message type (or its name inside the file's package); null or blank:
     *     the first message the file declares
     */
    static ParsedSchema parse(String definition, String messageType) {
        ProtoFileElement element;
        try {
            element = ProtoParser.Companion.parse(Location.get("", FILE), definition);
        } catch (RuntimeException e) { // IllegalStateException "Syntax error in schema.proto:L:C: ..."
            throw new SchemaException("not a valid .proto: " + e.getMessage(), e);
        }
        ProtoFile file = ProtoFile.Companion.get(element);
        List<String> imports = new ArrayList<>(file.getImports());
        imports.addAll(file.getPublicImports());
        imports.addAll(file.getWeakImports());
        for (String path : imports) {
            if (!WELL_KNOWN.containsKey(path)) {
                throw new SchemaException("not a valid .proto: it imports '" + path + "'; a schema is one file, "
                        + "importing at most the well-known types " + WELL_KNOWN.keySet().stream().sorted().toList());
            }
        }
        Descriptors.FileDescriptor descriptor = describe(file, element);
        Descriptor message = messageType(descriptor, messageType);
        return new Parsed(definition, message);
    }

    /** Links the file (resolving every type name) and builds protobuf-java's descriptor of it. */
    private static Descriptors.FileDescriptor describe(ProtoFile file, ProtoFileElement element) {
        Loader loader = new Loader() {
            @Override
            public ProtoFile load(String path) {
                return path.equals(FILE) ? file : CoreLoader.INSTANCE.load(path);
            }

            @Override
            public Loader withErrors(ErrorCollector errors) {
                return this;
            }
        };
        FileDescriptorProto.Builder proto;
        try {
            ErrorCollector errors = new ErrorCollector();
            Schema schema = new Linker(loader, errors, false, false).link(List.of(file));
            errors.throwIfNonEmpty();
            proto = FileDescriptorProto.parseFrom(new SchemaEncoder(schema).encode(schema.protoFile(FILE))
                    .toByteArray()).toBuilder();
        } catch (InvalidProtocolBufferException | RuntimeException e) { // wire's SchemaException: what and where
            throw new SchemaException("not a valid .proto: " + e.getMessage().replace('\n', ' ')
                    .replaceAll(" +", " "), e);
        }
        // Wire's encoder leaves out reserved numbers and names; the compatibility rules need them.
        addReserved(element.getTypes(), proto.getMessageTypeBuilderList(), proto.getEnumTypeBuilderList());
        List<Descriptors.FileDescriptor> dependencies = new ArrayList<>();
        for (String path : proto.getDependencyList()) {
            dependencies.add(WELL_KNOWN.get(path));
        }
        try {
            return Descriptors.FileDescriptor.buildFrom(proto.build(),
                    dependencies.toArray(new Descriptors.FileDescriptor[0]));
        } catch (Descriptors.DescriptorValidationException e) {
            throw new SchemaException("not a valid .proto: " + e.getMessage(), e);
        }
    }

    private static void addReserved(List<TypeElement> types, List<DescriptorProto.Builder> messages,
            List<EnumDescriptorProto.Builder> enums) {
        Map<String, DescriptorProto.Builder> messagesByName = new HashMap<>();
        messages.forEach(m -> messagesByName.put(m.getName(), m));
        Map<String, EnumDescriptorProto.Builder> enumsByName = new HashMap<>();
        enums.forEach(e -> enumsByName.put(e.getName(), e));
        for (TypeElement type : types) {
            if (type instanceof MessageElement m && messagesByName.containsKey(m.getName())) {
                DescriptorProto.Builder b = messagesByName.get(m.getName());
                // A message's reserved range ends after its last number, an enum's at it.
                forEachReserved(m.getReserveds(), b::addReservedName,
                        (first, last) -> b.addReservedRangeBuilder().setStart(first).setEnd(last + 1));
                addReserved(m.getNestedTypes(), b.getNestedTypeBuilderList(), b.getEnumTypeBuilderList());
            } else if (type instanceof EnumElement e && enumsByName.containsKey(e.getName())) {
                EnumDescriptorProto.Builder b = enumsByName.get(e.getName());
                forEachReserved(e.getReserveds(), b::addReservedName,
                        (first, last) -> b.addReservedRangeBuilder().setStart(first).setEnd(last));
            }
        }
    }

    /** Each reserved name, and each reserved number or range as (first, last), both inclusive. */
    private static void forEachReserved(List<ReservedElement> reserved, Consumer<String> name,
            BiConsumer<Integer, Integer> range) {
        for (ReservedElement r : reserved) {
            for (Object v : r.getValues()) {
                switch (v) {
                    case String n -> name.accept(n);
                    case Integer n -> range.accept(n, n);
                    case IntRange r2 -> range.accept(r2.getFirst(), r2.getLast());
                    default -> { }
                }
            }
        }
    }

    private static Descriptor messageType(Descriptors.FileDescriptor file, String name) {
        List<Descriptor> all = new ArrayList<>();
        collect(file.getMessageTypes(), all);
        if (all.isEmpty()) {
            throw new SchemaException("the .proto declares no message type");
        }
        if (name == null || name.isBlank()) {
            return file.getMessageTypes().get(0);
        }
        String prefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
        for (Descriptor d : all) {
            if (d.getFullName().equals(name) || d.getFullName().equals(prefix + name)) {
                return d;
            }
        }
        throw new SchemaException("message type '" + name + "' is not in the .proto (it has "
                + all.stream().map(Descriptor::getFullName).toList() + ")");
    }

    private static void collect(List<Descriptor> messages, List<Descriptor> into) {
        for (Descriptor d : messages) {
            if (!d.getOptions().getMapEntry()) {
                into.add(d);
                collect(d.getNestedTypes(), into);
            }
        }
    }

    private record Parsed(String definition, Descriptor descriptor) implements ParsedSchema {

        @Override
        public SchemaType type() {
            return SchemaType.PROTOBUF;
        }

        @Override
        public String messageType() {
            return descriptor.getFullName();
        }

        @Override
        public String violation(byte[] value) {
            DynamicMessage message;
            try {
                message = DynamicMessage.parseFrom(descriptor, value);
            } catch (InvalidProtocolBufferException e) { // also "Message missing required fields: ..."
                return "not Protobuf binary of " + descriptor.getFullName() + ": " + firstSentence(e.getMessage());
            }
            String unknown = unknownField(message, descriptor.getName());
            return unknown == null ? null : "not Protobuf binary of " + descriptor.getFullName() + ": " + unknown;
        }

        @Override
        public byte[] fromJson(String json) {
            DynamicMessage.Builder builder = DynamicMessage.newBuilder(descriptor);
            try {
                PARSER.merge(json, builder);
                return builder.build().toByteArray();
            } catch (InvalidProtocolBufferException | UninitializedMessageException e) {
                throw new SchemaException("not JSON of " + descriptor.getFullName() + " (Protobuf's JSON mapping): "
                        + e.getMessage(), e);
            }
        }

        @Override
        public String toJson(byte[] value) {
            try {
                return PRINTER.print(DynamicMessage.parseFrom(descriptor, value));
            } catch (InvalidProtocolBufferException e) {
                return null;
            }
        }

        @Override
        public List<String> cannotRead(ParsedSchema writer) {
            List<String> problems = new ArrayList<>();
            Descriptor w = ((Parsed) writer).descriptor;
            compare(descriptor, w, descriptor.getName(), new HashSet<>(), problems);
            return problems;
        }

        @Override
        public List<String> cannotFollow(ParsedSchema earlier) {
            List<String> problems = new ArrayList<>();
            Descriptor e = ((Parsed) earlier).descriptor;
            removals(descriptor, e, descriptor.getName(), new HashSet<>(), problems);
            return problems;
        }
    }

    /** protobuf-java's reasons go on with advice on what might have caused them; the reason is enough. */
    private static String firstSentence(String message) {
        int end = message.indexOf(".  ");
        return end < 0 ? message : message.substring(0, end);
    }

    /** The first field {@code message} holds that its type does not declare, at any depth; null when none. */
    private static String unknownField(DynamicMessage message, String path) {
        if (!message.getUnknownFields().asMap().isEmpty()) {
            int number = message.getUnknownFields().asMap().keySet().iterator().next();
            return "field number " + number + " is not in " + path + " (" + message.getDescriptorForType()
                    .getFullName() + ")";
        }
        for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
            if (e.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            List<?> values = e.getKey().isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue());
            for (Object v : values) {
                String unknown = unknownField((DynamicMessage) v, path + "." + e.getKey().getName());
                if (unknown != null) {
                    return unknown;
                }
            }
        }
        return null;
    }

    /** The read rules of the class comment, for the message types {@code reader} and {@code writer} at {@code path}. */
    private static void compare(Descriptor reader, Descriptor writer, String path, Set<String> seen,
            List<String> problems) {
        if (!seen.add(reader.getFullName() + "<-" + writer.getFullName())) {
            return; // recursive types: each pair once
        }
        for (FieldDescriptor w : writer.getFields()) {
            String at = path + "." + w.getName();
            FieldDescriptor sameName = reader.findFieldByName(w.getName());
            if (sameName != null && sameName.getNumber() != w.getNumber()) {
                problems.add("FIELD_RENUMBERED at " + at + ": number " + w.getNumber() + " -> "
                        + sameName.getNumber());
                continue;
            }
            FieldDescriptor r = reader.findFieldByNumber(w.getNumber());
            if (r == null) {
                continue; // the reader skips it; removing it is judged by the removal rules
            }
            if (!r.getName().equals(w.getName())) {
                problems.add("FIELD_RENAMED at " + at + ": field " + w.getNumber() + " is now '" + r.getName()
                        + "' (the JSON mapping goes by name)");
            }
            if (r.isRepeated() != w.isRepeated() || r.isMapField() != w.isMapField()) {
                problems.add("FIELD_CARDINALITY_CHANGED at " + at + ": " + cardinality(w) + " -> "
                        + cardinality(r));
            } else if (r.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    && w.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                compare(r.getMessageType(), w.getMessageType(), at, seen, problems);
            } else if (r.getType() == FieldDescriptor.Type.ENUM && w.getType() == FieldDescriptor.Type.ENUM) {
                compareEnums(r.getEnumType(), w.getEnumType(), at, problems);
            } else if (!readable(r.getType(), w.getType())) {
                problems.add("FIELD_TYPE_CHANGED at " + at + ": " + typeName(w) + " -> " + typeName(r));
            }
            if (r.isRequired() && !w.isRequired()) {
                problems.add("REQUIRED_FIELD_ADDED at " + at + ": the reader requires it, the writer may leave it "
                        + "out");
            }
        }
        for (FieldDescriptor r : reader.getFields()) {
            if (r.isRequired() && writer.findFieldByNumber(r.getNumber()) == null
                    && writer.findFieldByName(r.getName()) == null) {
                problems.add("REQUIRED_FIELD_ADDED at " + path + "." + r.getName() + ": the reader requires it, the "
                        + "writer does not have it");
            }
        }
        for (OneofDescriptor oneof : reader.getRealOneofs()) {
            // Writer fields that land in this oneof: fine while the writer could set at most one of them.
            Map<Object, List<String>> byWriterOneof = new LinkedHashMap<>();
            for (FieldDescriptor r : oneof.getFields()) {
                FieldDescriptor w = writer.findFieldByNumber(r.getNumber());
                if (w != null) {
                    OneofDescriptor group = w.getRealContainingOneof();
                    byWriterOneof.computeIfAbsent(group == null ? w : group, k -> new ArrayList<>()).add(w.getName());
                }
            }
            if (byWriterOneof.size() > 1) {
                problems.add("MULTIPLE_FIELDS_MOVED_INTO_ONEOF at " + path + "." + oneof.getName() + ": the writer "
                        + "may set " + byWriterOneof.values().stream().flatMap(List::stream).toList()
                        + " together");
            }
        }
    }

    private static void compareEnums(EnumDescriptor reader, EnumDescriptor writer, String at,
            List<String> problems) {
        for (EnumValueDescriptor w : writer.getValues()) {
            EnumValueDescriptor r = reader.findValueByNumber(w.getNumber());
            if (r != null && !r.getName().equals(w.getName())) {
                problems.add("ENUM_VALUE_RENAMED at " + at + ": value " + w.getNumber() + " '" + w.getName()
                        + "' is now '" + r.getName() + "' (the JSON mapping goes by name)");
            }
        }
    }

    /** FIELD_REMOVED and ENUM_VALUE_REMOVED: what {@code later} dropped from {@code earlier} without reserving. */
    private static void removals(Descriptor later, Descriptor earlier, String path, Set<String> seen,
            List<String> problems) {
        if (!seen.add(later.getFullName() + "<-" + earlier.getFullName())) {
            return;
        }
        for (FieldDescriptor e : earlier.getFields()) {
            String at = path + "." + e.getName();
            FieldDescriptor l = later.findFieldByNumber(e.getNumber());
            if (l == null) {
                if (!later.isReservedNumber(e.getNumber())) {
                    problems.add("FIELD_REMOVED at " + at + ": field " + e.getNumber() + " was removed without "
                            + "reserving its number (reserved " + e.getNumber() + ";), so a later version could "
                            + "reuse it for something else");
                }
            } else if (l.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    && e.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                removals(l.getMessageType(), e.getMessageType(), at, seen, problems);
            } else if (l.getType() == FieldDescriptor.Type.ENUM && e.getType() == FieldDescriptor.Type.ENUM) {
                EnumDescriptor le = l.getEnumType();
                for (EnumValueDescriptor v : e.getEnumType().getValues()) {
                    if (le.findValueByNumber(v.getNumber()) == null && !enumReserved(le, v.getNumber())) {
                        problems.add("ENUM_VALUE_REMOVED at " + at + ": value " + v.getNumber() + " '" + v.getName()
                                + "' was removed without reserving its number");
                    }
                }
            }
        }
    }

    private static boolean enumReserved(EnumDescriptor e, int number) {
        for (EnumDescriptorProto.EnumReservedRange r : e.toProto().getReservedRangeList()) {
            if (number >= r.getStart() && number <= r.getEnd()) {
                return true;
            }
        }
        return false;
    }

    /** Same type, or a widening both the wire form (varint) and the JSON form keep. */
    private static boolean readable(FieldDescriptor.Type reader, FieldDescriptor.Type writer) {
        return reader == writer
                || writer == FieldDescriptor.Type.INT32 && reader == FieldDescriptor.Type.INT64
                || writer == FieldDescriptor.Type.UINT32 && reader == FieldDescriptor.Type.UINT64
                || writer == FieldDescriptor.Type.SINT32 && reader == FieldDescriptor.Type.SINT64;
    }

    private static String typeName(FieldDescriptor f) {
        return switch (f.getJavaType()) {
            case MESSAGE -> f.getMessageType().getFullName();
            case ENUM -> f.getEnumType().getFullName();
            default -> f.getType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String cardinality(FieldDescriptor f) {
        return f.isMapField() ? "map" : f.isRepeated() ? "repeated" : "singular";
    }
}
