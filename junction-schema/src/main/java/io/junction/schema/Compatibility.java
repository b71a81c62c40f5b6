package io.junction.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which new versions a schema accepts, as in the schema registries of the field. BACKWARD (the default): the new
 * version can read what the previous one allowed, so consumers upgrade first. FORWARD: the previous version can
 * read what the new one allows, so producers upgrade first. FULL: both. The {@code _TRANSITIVE} variants check
 * against every earlier version instead of the latest one. NONE checks nothing.
 */
public enum Compatibility {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    public static final Compatibility DEFAULT = BACKWARD;

    /** @throws SchemaException for an unknown name */
    public static Compatibility parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new SchemaException("unknown compatibility '" + name + "': use none, backward, forward, full, "
                    + "or one of those with _transitive");
        }
    }

    /**
     * What makes {@code candidate} break this mode against {@code existing} (oldest first; versions 1..n): empty
     * when it may be added. Each entry names the version, the direction and the rule.
     */
    public List<String> check(ParsedSchema candidate, List<ParsedSchema> existing) {
        List<String> problems = new ArrayList<>();
        if (this == NONE || existing.isEmpty()) {
            return problems;
        }
        boolean transitive = name().endsWith("_TRANSITIVE");
        boolean backward = name().startsWith("BACKWARD") || name().startsWith("FULL");
        boolean forward = name().startsWith("FORWARD") || name().startsWith("FULL");
        int from = transitive ? 0 : existing.size() - 1;
        for (int i = existing.size() - 1; i >= from; i--) {
            ParsedSchema old = existing.get(i);
            int version = i + 1;
            if (old.type() != candidate.type()) {
                problems.add("version " + version + " is " + old.type().wireName() + ", the new one "
                        + candidate.type().wireName());
                continue;
            }
            for (String p : candidate.cannotFollow(old)) {
                problems.add("the new version cannot follow version " + version + ": " + p);
            }
            if (backward) {
                for (String p : candidate.cannotRead(old)) {
                    problems.add("the new version cannot read data written with version " + version + ": " + p);
                }
            }
            if (forward) {
                for (String p : old.cannotRead(candidate)) {
                    problems.add("version " + version + " cannot read data written with the new version: " + p);
                }
            }
        }
        return problems;
    }
}
