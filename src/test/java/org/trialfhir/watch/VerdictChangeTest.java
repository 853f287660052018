package org.trialfhir.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.trialfhir.watch.WatchStates.State;

class VerdictChangeTest {

  private static State state(String verdict, String... notPassing) {
    return new State(verdict, List.of(notPassing));
  }

  @Test
  void aFirstVerdictWorthALookIsNewsAndOthersAreNot() {
    assertThat(VerdictChange.of(Optional.empty(), state("needs-review"))).isPresent();
    assertThat(VerdictChange.of(Optional.empty(), state("eligible"))).isPresent();
    assertThat(VerdictChange.of(Optional.empty(), state("insufficient-data", "inc-x"))).isEmpty();
    assertThat(VerdictChange.of(Optional.empty(), state("ineligible", "inc-x"))).isEmpty();
  }

  @Test
  void aVerdictMovingUpToOneWorthALookIsNews() {
    var change =
        VerdictChange.of(Optional.of(state("ineligible", "inc-age")), state("needs-review"));
    assertThat(change)
        .get()
        .satisfies(
            c -> {
              assertThat(c.before()).isEqualTo("ineligible");
              assertThat(c.now()).isEqualTo("needs-review");
              assertThat(c.nowPassing()).containsExactly("inc-age");
            });
    assertThat(VerdictChange.of(Optional.of(state("needs-review")), state("eligible"))).isPresent();
  }

  @Test
  void aCriterionThatBlockedAndNowPassesIsNewsUnlessStillIneligible() {
    assertThat(
            VerdictChange.of(
                Optional.of(state("insufficient-data", "inc-a", "inc-b")),
                state("insufficient-data", "inc-b")))
        .get()
        .satisfies(c -> assertThat(c.nowPassing()).containsExactly("inc-a"));
    assertThat(
            VerdictChange.of(
                Optional.of(state("ineligible", "inc-a", "inc-age")),
                state("ineligible", "inc-age")))
        .isEmpty();
  }

  @Test
  void noChangeOrAChangeForTheWorseIsNotNews() {
    assertThat(VerdictChange.of(Optional.of(state("needs-review")), state("needs-review")))
        .isEmpty();
    assertThat(VerdictChange.of(Optional.of(state("eligible")), state("needs-review"))).isEmpty();
    assertThat(VerdictChange.of(Optional.of(state("needs-review")), state("ineligible", "inc-age")))
        .isEmpty();
  }
}
