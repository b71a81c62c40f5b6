package io.junction.connect.postgres;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the messages of PostgreSQL's {@code pgoutput} logical decoding plugin, protocol version 1 (the body of
 * each XLogData the replication stream hands over). Only what the connector uses is kept; Origin and Type messages
 * decode to {@link Ignored}. All integers are big-endian; strings are NUL-terminated UTF-8.
 *
 * <pre>
 * Begin    'B' Int64 final (commit) LSN, Int64 commit time (µs since 2000-01-01), Int32 xid
 * Commit   'C' Int8 flags, Int64 commit LSN, Int64 end LSN, Int64 commit time
 * Relation 'R' Int32 relid, String namespace, String name, Int8 replica identity, Int16 ncols,
 *              ncols x (Int8 flags (1 = part of the key), String name, Int32 type oid, Int32 typmod)
 * Insert   'I' Int32 relid, 'N' TupleData
 * Update   'U' Int32 relid, ['K' | 'O' TupleData], 'N' TupleData
 * Delete   'D' Int32 relid, 'K' | 'O' TupleData
 * Truncate 'T' Int32 nrels, Int8 options, nrels x Int32 relid
 * TupleData   Int16 ncols, ncols x ('n' null | 'u' unchanged TOAST | 't' Int32 len, len bytes of text)
 * </pre>
 *
 * Stateless; thread-safe.
 */
final class PgOutput {

    /** Microseconds between the Unix epoch and PostgreSQL's (2000-01-01). */
    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private PgOutput() {
    }

    sealed interface Message permits Begin, Commit, Relation, Insert, Update, Delete, Truncate, Ignored {
    }

    record Begin(long finalLsn, long commitMicros, int xid) implements Message {
    }

    record Commit(long commitLsn, long endLsn, long commitMicros) implements Message {
    }

    record Column(boolean key, String name, int typeOid) {
    }

    record Relation(int relid, String namespace, String name, List<Column> columns) implements Message {
        String qualifiedName() {
            return namespace + "." + name;
        }
    }

    /** A column value: {@link #NULL}, {@link #UNCHANGED} (TOAST not sent) or text. */
    record Value(char kind, String text) {
        static final Value NULL = new Value('n', null);
        static final Value UNCHANGED = new Value('u', null);
    }

    record Insert(int relid, List<Value> after) implements Message {
    }

    /** {@code before} is null unless the replica identity sent it: 'K' key columns only, 'O' the whole row. */
    record Update(int relid, char beforeKind, List<Value> before, List<Value> after) implements Message {
    }

    record Delete(int relid, char beforeKind, List<Value> before) implements Message {
    }

    record Truncate(List<Integer> relids) implements Message {
    }

    record Ignored(char tag) implements Message {
    }

    static Message decode(ByteBuffer b) {
        char tag = (char) b.get();
        return switch (tag) {
            case 'B' -> new Begin(b.getLong(), b.getLong(), b.getInt());
            case 'C' -> {
                b.get();
                yield new Commit(b.getLong(), b.getLong(), b.getLong());
            }
            case 'R' -> relation(b);
            case 'I' -> {
                int relid = b.getInt();
                expect(b, 'N');
                yield new Insert(relid, tuple(b));
            }
            case 'U' -> {
                int relid = b.getInt();
                char kind = (char) b.get();
                List<Value> before = null;
                if (kind == 'K' || kind == 'O') {
                    before = tuple(b);
                    expect(b, 'N');
                } else if (kind != 'N') {
                    throw new IllegalStateException("pgoutput: unexpected '" + kind + "' in an Update");
                }
                yield new Update(relid, kind == 'N' ? 0 : kind, before, tuple(b));
            }
            case 'D' -> {
                int relid = b.getInt();
                char kind = (char) b.get();
                yield new Delete(relid, kind, tuple(b));
            }
            case 'T' -> {
                int n = b.getInt();
                b.get();
                List<Integer> relids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    relids.add(b.getInt());
                }
                yield new Truncate(relids);
            }
            default -> new Ignored(tag);
        };
    }

    private static void expect(ByteBuffer b, char tag) {
        char got = (char) b.get();
        if (got != tag) {
            throw new IllegalStateException("pgoutput: expected '" + tag + "', got '" + got + "'");
        }
    }

    private static Relation relation(ByteBuffer b) {
        int relid = b.getInt();
        String namespace = string(b);
        String name = string(b);
        b.get(); // replica identity setting
        int n = b.getShort();
        List<Column> columns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean key = (b.get() & 1) != 0;
            String column = string(b);
            int oid = b.getInt();
            b.getInt(); // typmod
            columns.add(new Column(key, column, oid));
        }
        return new Relation(relid, namespace, name, columns);
    }

    private static List<Value> tuple(ByteBuffer b) {
        int n = b.getShort();
        List<Value> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            char kind = (char) b.get();
            values.add(switch (kind) {
                case 'n' -> Value.NULL;
                case 'u' -> Value.UNCHANGED;
                case 't' -> {
                    byte[] text = new byte[b.getInt()];
                    b.get(text);
                    yield new Value('t', new String(text, StandardCharsets.UTF_8));
                }
                default -> throw new IllegalStateException("pgoutput: unknown column kind '" + kind + "'");
            });
        }
        return values;
    }

    private static String string(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(bytes);
        b.get(); // NUL
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
