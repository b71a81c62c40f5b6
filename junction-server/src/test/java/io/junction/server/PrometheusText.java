package io.junction.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (as Prometheus itself reads it), for the tests: every
 * line is a {@code # HELP}, a {@code # TYPE}, a sample, another comment or empty, and anything else fails. Checked
 * besides the line grammar: a family's TYPE comes before its samples and at most once; a family's samples follow
 * its TYPE without another family's in between; each sample's name is its family's (with {@code _total} for a
 * counter; {@code _bucket}, {@code _sum}, {@code _count} for a histogram); no series appears twice; a histogram's
 * buckets are cumulative, end with {@code le="+Inf"}, and that bucket equals its {@code _count}.
 */
final class PrometheusText {

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary"
            + "|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(?:\\{(.*)\\})? (\\S+)(?: (-?[0-9]+))?");
    /** {@code name="value"}, the value with only the escapes \\, \" and \n. */
    private static final Pattern LABEL = Pattern.compile(
            "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");
    private static final Pattern VALUE = Pattern.compile("[+-]?(?:[0-9]*\\.?[0-9]+(?:[eE][+-]?[0-9]+)?|Inf|NaN)");

    /** One sample: its name, labels (sorted by name) and value. */
    record Sample(String name, Map<String, String> labels, double value) {
        String label(String name) {
            return labels.get(name);
        }
    }

    /** A family: its TYPE and samples. */
    record Family(String name, String type, List<Sample> samples) {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    private PrometheusText() {
    }

    /** Parses {@code text} strictly; IllegalArgumentException naming the line that breaks a rule. */
    static PrometheusText parse(String text) {
        PrometheusText parsed = new PrometheusText();
        String[] lines = text.split("\n", -1);
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a newline");
        }
        Family current = null;
        Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            int n = i + 1;
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                continue;
            }
            if ((m = TYPE.matcher(line)).matches()) {
                String family = m.group(1);
                if (parsed.families.containsKey(family)) {
                    throw new IllegalArgumentException("line " + n + ": a second TYPE for " + family);
                }
                current = new Family(family, m.group(2), new ArrayList<>());
                parsed.families.put(family, current);
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                throw new IllegalArgumentException("line " + n + ": a malformed HELP or TYPE: " + line);
            }
            if (line.startsWith("#") || line.isEmpty()) {
                continue; // other comments and empty lines are ignored, as Prometheus does
            }
            if (!(m = SAMPLE.matcher(line)).matches()) {
                throw new IllegalArgumentException("line " + n + ": not a sample: " + line);
            }
            String name = m.group(1);
            Map<String, String> labels = labels(m.group(2), n);
            if (!VALUE.matcher(m.group(3)).matches()) {
                throw new IllegalArgumentException("line " + n + ": not a value: " + m.group(3));
            }
            double value = Double.parseDouble(m.group(3).replace("Inf", "Infinity"));
            if (current == null || !belongs(name, current)) {
                throw new IllegalArgumentException("line " + n + ": sample " + name + " outside its family's TYPE"
                        + (current == null ? "" : " (in " + current.name() + ")"));
            }
            if (!seen.add(name + labels)) {
                throw new IllegalArgumentException("line " + n + ": the series " + name + labels + " twice");
            }
            current.samples().add(new Sample(name, labels, value));
        }
        parsed.families.values().stream().filter(f -> f.type().equals("histogram")).forEach(PrometheusText::check);
        return parsed;
    }

    private static boolean belongs(String sample, Family family) {
        String f = family.name();
        return switch (family.type()) {
            case "counter" -> sample.equals(f) && f.endsWith("_total") || sample.equals(f + "_total");
            case "histogram" -> sample.equals(f + "_bucket") || sample.equals(f + "_sum")
                    || sample.equals(f + "_count");
            case "summary" -> sample.equals(f) || sample.equals(f + "_sum") || sample.equals(f + "_count");
            default -> sample.equals(f);
        };
    }

    private static Map<String, String> labels(String text, int n) {
        Map<String, String> labels = new TreeMap<>();
        if (text == null || text.isEmpty()) {
            return labels;
        }
        Matcher m = LABEL.matcher(text);
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("line " + n + ": bad labels at " + at + ": " + text);
            }
            if (labels.put(m.group(1), unescape(m.group(2))) != null) {
                throw new IllegalArgumentException("line " + n + ": label " + m.group(1) + " twice");
            }
            at = m.end();
            if (at < text.length()) {
                if (text.charAt(at) != ',') {
                    throw new IllegalArgumentException("line " + n + ": labels not separated by ',': " + text);
                }
                at++;
            }
        }
        return labels;
    }

    private static String unescape(String s) {
        return s.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
    }

    /** Buckets cumulative, +Inf last and equal to _count, per series. */
    private static void check(Family h) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : h.samples()) {
            Map<String, String> series = new TreeMap<>(s.labels());
            series.remove("le");
            if (s.name().endsWith("_bucket")) {
                if (!s.labels().containsKey("le")) {
                    throw new IllegalArgumentException(h.name() + ": a bucket without le: " + s);
                }
                buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(series, s.value());
            }
        }
        buckets.forEach((series, list) -> {
            double last = -1;
            double lastBound = Double.NEGATIVE_INFINITY;
            for (Sample b : list) {
                double bound = Double.parseDouble(b.label("le").replace("Inf", "Infinity"));
                if (bound <= lastBound || b.value() < last) {
                    throw new IllegalArgumentException(h.name() + series + ": buckets not cumulative in order");
                }
                last = b.value();
                lastBound = bound;
            }
            if (lastBound != Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException(h.name() + series + ": no +Inf bucket");
            }
            if (!Double.valueOf(last).equals(counts.get(series))) {
                throw new IllegalArgumentException(h.name() + series + ": +Inf bucket " + last + " but _count "
                        + counts.get(series));
            }
        });
    }

    Map<String, Family> families() {
        return families;
    }

    /** Every sample, of every family. */
    List<Sample> samples() {
        return families.values().stream().flatMap(f -> f.samples().stream()).toList();
    }

    /** The samples named {@code name} whose labels include {@code labels} (name, value, name, value...). */
    List<Sample> samples(String name, String... labels) {
        return samples().stream().filter(s -> s.name().equals(name)).filter(s -> {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                    return false;
                }
            }
            return true;
        }).toList();
    }

    /** The one sample's value; fails unless exactly one matches. */
    double value(String name, String... labels) {
        List<Sample> found = samples(name, labels);
        if (found.size() != 1) {
            throw new AssertionError("expected one sample " + name + " " + List.of(labels) + ", found " + found);
        }
        return found.get(0).value();
    }

    /** The family's TYPE, or null when it is not exposed. */
    String type(String family) {
        Family f = families.get(family);
        return f == null ? null : f.type();
    }
}
