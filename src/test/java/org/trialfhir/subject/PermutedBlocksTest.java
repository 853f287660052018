package org.trialfhir.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.trialfhir.subject.PermutedBlocks.Arm;

class PermutedBlocksTest {

  private static final List<Arm> ONE_TO_ONE = List.of(new Arm("UCMSC", 1), new Arm("Placebo", 1));

  @Test
  void everyBlockOfFourHoldsTwoOfEachArm() {
    List<String> sequence = new PermutedBlocks(ONE_TO_ONE, 4, "seed-1").sequence("all", 50);
    assertThat(sequence).hasSize(200);
    for (int block = 0; block < 50; block++) {
      List<String> slice = sequence.subList(block * 4, block * 4 + 4);
      assertThat(Collections.frequency(slice, "UCMSC")).as("block %d", block).isEqualTo(2);
    }
  }

  @Test
  void blocksAreNotAllAlike() {
    List<String> sequence = new PermutedBlocks(ONE_TO_ONE, 4, "seed-1").sequence("all", 50);
    assertThat(
            java.util.stream.IntStream.range(0, 50)
                .mapToObj(b -> sequence.subList(b * 4, b * 4 + 4))
                .distinct()
                .count())
        .as("distinct orderings among the 6 possible")
        .isGreaterThan(3);
  }

  @Test
  void theSameSeedAndStratumGiveTheSameSequenceAndLongerRunsExtendShorterOnes() {
    PermutedBlocks blocks = new PermutedBlocks(ONE_TO_ONE, 4, "audit-me");
    assertThat(blocks.sequence("all", 6))
        .isEqualTo(new PermutedBlocks(ONE_TO_ONE, 4, "audit-me").sequence("all", 6))
        .isEqualTo(blocks.sequence("all", 9).subList(0, 24));
  }

  @Test
  void seedsAndStrataGiveIndependentSequences() {
    PermutedBlocks blocks = new PermutedBlocks(ONE_TO_ONE, 4, "audit-me");
    assertThat(blocks.sequence("sex=female", 10)).isNotEqualTo(blocks.sequence("sex=male", 10));
    assertThat(new PermutedBlocks(ONE_TO_ONE, 4, "other").sequence("all", 10))
        .isNotEqualTo(blocks.sequence("all", 10));
  }

  /**
   * Pins the documented algorithm: an auditor's independent implementation must reproduce stored
   * sequences, so a change here breaks every study randomised before it.
   */
  @Test
  void theAlgorithmIsStable() {
    assertThat(new PermutedBlocks(ONE_TO_ONE, 4, "NCT06407297").sequence("all", 3))
        .containsExactly(PINNED.toArray(String[]::new));
  }

  /** As computed independently by scripts/allocation-sequence.py (Python, no Java involved). */
  private static final List<String> PINNED =
      List.of(
          "UCMSC", "Placebo", "Placebo", "UCMSC", "Placebo", "UCMSC", "UCMSC", "Placebo", "UCMSC",
          "Placebo", "Placebo", "UCMSC");

  @Test
  void unequalRatiosFillEachBlockInProportion() {
    List<Arm> twoToOne = List.of(new Arm("A", 2), new Arm("B", 1));
    List<String> sequence = new PermutedBlocks(twoToOne, 6, "x").sequence("all", 10);
    for (int block = 0; block < 10; block++) {
      assertThat(Collections.frequency(sequence.subList(block * 6, block * 6 + 6), "A"))
          .isEqualTo(4);
    }
  }

  @Test
  void aBlockSizeThatIsNoMultipleOfTheRatiosIsRefused() {
    assertThatThrownBy(() -> new PermutedBlocks(ONE_TO_ONE, 3, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("multiple");
  }
}
