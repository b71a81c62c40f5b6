package io.junction.bench;

import java.util.Arrays;

/** Entry point of the benchmark jar: {@code junction-bench/run log [options]}. */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help")) {
            System.out.println("usage: junction-bench/run log [--dir DIR] [--seconds N] [--warmup N]");
            System.out.println("       junction-bench/run compare [--seconds N] [--warmup N] [--workloads a,b,c,d,e] "
                    + "[--brokers junction,kafka,nats] [--durability both|fsync|nofsync] [--out FILE]");
            System.out.println("       junction-bench/run compaction [--dir DIR] [--messages N] [--keys N] [--seconds N]");
            System.out.println("       junction-bench/run schema [--dir DIR] [--seconds N]");
            System.out.println("       junction-bench/run scale [--stations 100,1000,10000] [--idle-seconds N] "
                    + "[--sample N] [--dir DIR]");
            System.out.println("       junction-bench/run drain [--messages N] [--partitions N] [--keys N] "
                    + "[--consumers N] [--prefetch N] [--size BYTES] [--rounds N] [--ordering key|partition|none]");
            System.out.println("       junction-bench/run tier [--messages N] [--size BYTES] [--seconds N] "
                    + "[--rounds N] [--dir DIR]");
            System.out.println("  tier     tiered storage against S3Proxy: upload MB/s next to the disk, consume from S3 "
                    + "next to local, produce with uploads running next to without");
            System.out.println("  log      append throughput of junction-log next to the disk's own fdatasync figures");
            System.out.println("  compaction  key compaction's MB/s, and produce throughput while it runs");
            System.out.println("  schema   produce throughput with no schema, a JSON Schema and an Avro schema");
            System.out.println("  scale    many stations (x 2 groups) on one broker: threads, files, memory, idle CPU, "
                    + "restart time");
            System.out.println("  drain    the consume path alone: a filled station drained by a group, each message "
                    + "acked: msg/s and CPU per message (broker, client)");
            System.out.println("  compare  the same workloads against Junction, Kafka and NATS JetStream "
                    + "(docs/benchmarks.md)");
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "log" -> LogAppendBench.main(rest);
            case "compaction" -> CompactionBench.main(rest);
            case "schema" -> SchemaBench.main(rest);
            case "compare" -> io.junction.bench.compare.CompareMain.main(rest);
            case "scale" -> ScaleBench.main(rest);
            case "drain" -> DrainBench.main(rest);
            case "tier" -> TierBench.main(rest);
            default -> {
                System.err.println("unknown benchmark: " + args[0]);
                System.exit(2);
            }
        }
    }
}
