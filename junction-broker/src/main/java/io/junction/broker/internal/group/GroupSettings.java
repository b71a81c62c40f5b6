package io.junction.broker.internal.group;

import io.junction.broker.History;
import io.junction.broker.OnDeadLetter;
import io.junction.broker.Ordering;
import io.junction.broker.StationConfig;
import io.junction.log.DurableFiles;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What a group is created with and keeps for good, in {@value #FILE} in its directory (Java properties, written
 * once, durably, when the group is created):
 *
 * <pre>
 * ordering=key | partition | none     as asked when the group was created, else the station's then
 * on.dead.letter=skip | park          as asked when the group was created, else the station's then
 * history=compacted | full            which records the group reads (full: a tiered station's full history)
 * </pre>
 *
 * A key missing from the file reads as its default ({@link StationConfig#DEFAULT_ORDERING},
 * {@link StationConfig#DEFAULT_ON_DEAD_LETTER}, {@link History#COMPACTED}). Immutable.
 */
record GroupSettings(Ordering ordering, OnDeadLetter onDeadLetter, History history) {

    static final String FILE = "group.properties";

    /** The settings kept in {@code dir}; when there are none, creates {@code dir} and writes {@code forNewGroup}. */
    static GroupSettings readOrWrite(Path dir, GroupSettings forNewGroup) throws IOException {
        Path file = dir.resolve(FILE);
        Properties props = new Properties();
        if (Files.exists(file)) {
            try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(in);
            }
            return new GroupSettings(
                    Ordering.parse(props.getProperty("ordering", StationConfig.DEFAULT_ORDERING.wireName())),
                    OnDeadLetter.parse(props.getProperty("on.dead.letter",
                            StationConfig.DEFAULT_ON_DEAD_LETTER.wireName())),
                    History.parse(props.getProperty("history", History.COMPACTED.wireName())));
        }
        Files.createDirectories(dir);
        props.setProperty("ordering", forNewGroup.ordering().wireName());
        props.setProperty("on.dead.letter", forNewGroup.onDeadLetter().wireName());
        props.setProperty("history", forNewGroup.history().wireName());
        StringWriter text = new StringWriter();
        props.store(text, "Junction consumer group settings");
        DurableFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        return forNewGroup;
    }
}
