package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code --json} shapes that docs/cli.md documents, read from its "JSON shapes" section, so that each command's
 * output is held to its documentation: every field printed is documented, and every field documented without a
 * {@code ?} is printed. Fields are paths: {@code copies[].name} is the {@code name} of each element of
 * {@code copies}; a documented field with no documented fields inside (a {@code rowCounts} map) may hold anything.
 */
final class DocumentedJson {
    static final Path DOC = Path.of("../docs/cli.md");

    /** Field paths of one shape, and which of them the documentation marks optional ({@code "field"?}). */
    record Shape(Set<String> fields, Set<String> optional) {
        Shape {
            fields = new TreeSet<>(fields);
            optional = new TreeSet<>(optional);
        }
    }

    private DocumentedJson() {}

    /** Asserts that {@code json}, a command's parsed {@code --json} output, has the shape documented for {@code command}. */
    static void assertConforms(String command, Map<String, Object> json) {
        Shape shape = shape(command);
        Set<String> actual = new TreeSet<>();
        flatten("", json, actual);
        assertThat(actual).as("fields of `%s --json` that docs/cli.md does not document (documented: %s)", command, shape.fields())
                .allSatisfy(path -> assertThat(documented(path, shape)).as(path).isTrue());
        for (String field : shape.fields()) {
            if (shape.optional().contains(field)) {
                continue;
            }
            String parent = field.substring(0, field.lastIndexOf('.') + 1);
            if (parent.isEmpty() || actual.stream().anyMatch(a -> a.startsWith(parent))) {
                assertThat(actual).as("`%s --json` prints the documented field %s", command, field).contains(field);
            }
        }
    }

    /** The documented shape of a command's output ({@code "keygen --signing"} for the signing key's). */
    static Shape shape(String command) {
        String section = section();
        Shape part = parse(inline(section, "`PART` (as in manifest.json"));
        return switch (command) {
            case "show" -> {
                // documented in words, from the list entry's fields: hold the words to what the test assumes
                assertThat(section).contains("`show`: the fields of a `list` entry except `stores`, plus `\"host\"`, `\"lifeboatVersion\"`,"
                        + " `\"parts\": [PART, …]` and\n`\"copies\"?` (as for `backup`).");
                Shape list = shape("list");
                Shape backup = shape("backup");
                Map<String, Boolean> fields = new LinkedHashMap<>();
                list.fields().stream().filter(f -> f.startsWith("backups[].") && !f.equals("backups[].stores"))
                        .forEach(f -> fields.put(f.substring("backups[].".length()), list.optional().contains(f)));
                fields.put("host", false);
                fields.put("lifeboatVersion", false);
                backup.fields().stream().filter(f -> f.startsWith("copies") || f.startsWith("parts"))
                        .forEach(f -> fields.put(f, backup.optional().contains(f)));
                yield new Shape(fields.keySet(), fields.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey)
                        .collect(java.util.stream.Collectors.toSet()));
            }
            case "keygen" -> parse(inline(section, "`keygen`:"));
            case "keygen --signing" -> parse(inline(section, "`keygen`: `{\"file\", \"recipient\", \"fingerprint\"}` (or"));
            default -> withPart(parse(block(section, "`" + command + "`:")), part);
        };
    }

    private static boolean documented(String path, Shape shape) {
        if (shape.fields().contains(path)) {
            return true;
        }
        // inside a documented field whose own fields are not documented (a map such as rowCounts or tools)
        for (String f : shape.fields()) {
            if ((path.startsWith(f + ".") || path.startsWith(f + "[].")) && shape.fields().stream().noneMatch(g -> g.startsWith(f + ".")
                    || g.startsWith(f + "[]."))) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> object, Set<String> into) {
        object.forEach((k, v) -> {
            into.add(prefix + k);
            if (v instanceof Map<?, ?> m) {
                flatten(prefix + k + ".", (Map<String, Object>) m, into);
            } else if (v instanceof List<?> list) {
                for (Object e : list) {
                    if (e instanceof Map<?, ?> m) {
                        flatten(prefix + k + "[].", (Map<String, Object>) m, into);
                    }
                }
            }
        });
    }

    /** Adds PART's fields under every array documented as {@code [PART, …]}. */
    private static Shape withPart(Shape shape, Shape part) {
        Set<String> fields = new TreeSet<>(shape.fields());
        Set<String> optional = new TreeSet<>(shape.optional());
        for (String f : shape.fields()) {
            if (f.endsWith("[].PART")) {
                String prefix = f.substring(0, f.length() - "PART".length());
                fields.remove(f);
                part.fields().forEach(p -> fields.add(prefix + p));
                part.optional().forEach(p -> optional.add(prefix + p));
            }
        }
        return new Shape(fields, optional);
    }

    private static String section() {
        try {
            String doc = Files.readString(DOC);
            int start = doc.indexOf("## JSON shapes");
            assertThat(start).as("docs/cli.md has a \"JSON shapes\" section").isNotNegative();
            int end = doc.indexOf("\n## ", start + 1);
            return doc.substring(start, end < 0 ? doc.length() : end);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ```json block following {@code marker}. */
    private static String block(String section, String marker) {
        int at = section.indexOf("\n" + marker);
        assertThat(at).as("docs/cli.md documents %s", marker).isNotNegative();
        int open = section.indexOf("```json\n", at);
        int close = section.indexOf("\n```", open + 8);
        assertThat(section.substring(at + marker.length() + 1, open).strip()).as("nothing between %s and its block", marker).isEmpty();
        return section.substring(open + 8, close);
    }

    /** The first inline {@code `{…}`} after {@code marker}. */
    private static String inline(String section, String marker) {
        int at = section.indexOf(marker);
        assertThat(at).as("docs/cli.md documents %s", marker).isNotNegative();
        int open = section.indexOf("`{", at + marker.length());
        int close = section.indexOf("}`", open);
        return section.substring(open + 1, close + 1);
    }

    /**
     * Reads the documentation's JSON sketch: quoted names are fields ({@code "x"?} optional) unless they follow a
     * colon or stand in an array (values); {@code PART} in an array stands for the part shape.
     */
    static Shape parse(String sketch) {
        Set<String> fields = new TreeSet<>();
        Set<String> optional = new TreeSet<>();
        Deque<String> containers = new ArrayDeque<>(); // "{prefix" for an object, "[path" for an array
        String lastField = null;
        char previous = 0;
        for (int i = 0; i < sketch.length(); i++) {
            char c = sketch.charAt(i);
            if (Character.isWhitespace(c)) {
                continue;
            }
            String top = containers.peek();
            if (c == '"') {
                int end = sketch.indexOf('"', i + 1);
                String name = sketch.substring(i + 1, end);
                i = end;
                if (top != null && top.startsWith("{") && previous != ':') {
                    lastField = top.substring(1) + name;
                    fields.add(lastField);
                    if (i + 1 < sketch.length() && sketch.charAt(i + 1) == '?') {
                        optional.add(lastField);
                        i++;
                    }
                }
                previous = '"';
                continue;
            }
            if (c == '{') {
                String prefix = top == null ? "" : top.startsWith("[") ? top.substring(1) + "[]." : lastField + ".";
                containers.push("{" + prefix);
            } else if (c == '[') {
                containers.push("[" + (top != null && top.startsWith("[") ? top.substring(1) + "[]" : lastField));
            } else if (c == '}' || c == ']') {
                containers.pop();
            } else if (sketch.startsWith("PART", i) && top != null && top.startsWith("[")) {
                fields.add(top.substring(1) + "[].PART");
                i += 3;
            }
            previous = c;
        }
        return new Shape(fields, optional);
    }
}
