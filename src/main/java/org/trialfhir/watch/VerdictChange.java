package org.trialfhir.watch;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.trialfhir.watch.WatchStates.State;

/**
 * Whether a new evaluation of a patient against a study is news for its coordinators: the verdict
 * moved up to {@code eligible} or {@code needs-review} (from nothing known, or from a worse one),
 * or — while the patient is not ineligible — a criterion that did not pass (failed, or lacked data)
 * now passes. Anything else (no change, a change for the worse, a change among criteria a person
 * must judge) is not.
 */
final class VerdictChange {

  private static final List<String> BEST_FIRST =
      List.of("eligible", "needs-review", "insufficient-data", "ineligible");
  private static final Set<String> WORTH_A_LOOK = Set.of("eligible", "needs-review");

  /** What changed: the verdict before (null if none was known) and the criteria now passing. */
  record Change(String before, String now, List<String> nowPassing) {}

  private VerdictChange() {}

  static Optional<Change> of(Optional<State> before, State now) {
    if (before.isEmpty()) {
      return WORTH_A_LOOK.contains(now.verdict())
          ? Optional.of(new Change(null, now.verdict(), List.of()))
          : Optional.empty();
    }
    State was = before.get();
    boolean movedUp =
        WORTH_A_LOOK.contains(now.verdict()) && rank(now.verdict()) < rank(was.verdict());
    List<String> nowPassing = new ArrayList<>(was.notPassing());
    nowPassing.removeAll(now.notPassing());
    boolean unblocked = !nowPassing.isEmpty() && !"ineligible".equals(now.verdict());
    return movedUp || unblocked
        ? Optional.of(new Change(was.verdict(), now.verdict(), List.copyOf(nowPassing)))
        : Optional.empty();
  }

  private static int rank(String verdict) {
    int i = BEST_FIRST.indexOf(verdict);
    return i < 0 ? BEST_FIRST.size() : i;
  }
}
