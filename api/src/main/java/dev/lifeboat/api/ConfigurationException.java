package dev.lifeboat.api;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/** Invalid configuration. Lists every problem found, not only the first. */
public final class ConfigurationException extends LifeboatException {
    private static final long serialVersionUID = 1L;

    /**
     * One configuration problem.
     *
     * @param setting the setting's name, e.g. {@code database "main" url} or {@code lifeboat.rpo}
     * @param requirement what it must be
     * @param actual what it was (already redacted by the caller where it could be secret)
     */
    public record Problem(String setting, String requirement, String actual) {
        public Problem {
            Objects.requireNonNull(setting, "null setting");
            Objects.requireNonNull(requirement, "null requirement");
            Objects.requireNonNull(actual, "null actual");
        }

        @Override
        public String toString() {
            return setting + ": must be " + requirement + ", but was " + actual;
        }
    }

    private final transient List<Problem> problems;

    public ConfigurationException(List<Problem> problems) {
        super(ErrorCode.CONFIGURATION, render(problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigurationException(String setting, String requirement, String actual) {
        this(List.of(new Problem(setting, requirement, actual)));
    }

    /** Every problem, in the order found. */
    public List<Problem> problems() {
        return problems;
    }

    private static String render(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigurationException needs at least one problem");
        }
        String header = "Invalid Lifeboat configuration (" + problems.size()
                + (problems.size() == 1 ? " problem" : " problems") + "); fix these settings:";
        return problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n", header + "\n", ""));
    }
}
