package dev.lifeboat.api.source;

import dev.lifeboat.api.catalog.Issue;
import dev.lifeboat.api.catalog.TreeStats;
import java.util.List;
import java.util.Map;

/**
 * What a source captured.
 *
 * @param tools versions of the tools and servers involved
 * @param rowCounts rows per table (databases)
 * @param tree what an archive holds (files, config, secrets); {@code null} for databases
 * @param issues skipped or incompletely captured content
 */
public record SourceResult(Map<String, String> tools, Map<String, Long> rowCounts, TreeStats tree, List<Issue> issues) {
    public SourceResult {
        tools = Map.copyOf(tools);
        rowCounts = Map.copyOf(rowCounts);
        issues = List.copyOf(issues);
    }
}
