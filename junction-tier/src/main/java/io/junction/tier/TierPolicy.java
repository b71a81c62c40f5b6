package io.junction.tier;

import java.time.Duration;

/**
 * A station's tiering, as its settings say now ({@code station create|update --tiering on --local-retention ...}).
 *
 * @param enabled sealed segments are uploaded
 * @param localRetention how long an uploaded segment stays on local disk after its last append; null = no limit
 *     by age
 * @param localRetentionBytes how many bytes of uploaded segments a partition keeps on local disk (the active
 *     segment and what is not uploaded yet always stay); 0 = no limit by size
 * @param compacted the station compacts: its local log is the latest state per key and is never trimmed by the
 *     local retention (S3 keeps the history behind it)
 * @param keepLocal what always stays local whatever the local retention: segments appended to within it (the
 *     station's dedup window, which the broker rebuilds from the local log on start)
 */
public record TierPolicy(boolean enabled, Duration localRetention, long localRetentionBytes, boolean compacted,
        Duration keepLocal) {

    public static final TierPolicy OFF = new TierPolicy(false, null, 0, false, Duration.ZERO);
}
