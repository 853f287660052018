package org.trialfhir.bulkimport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.trialfhir.bulkimport.ImportModels.Refusal;

class ListedRefusalsTest {

  private static Refusal line(int number) {
    return new Refusal(number, 422, "line " + number);
  }

  @Test
  void keepsTheLowestLinesWhateverOrderChunksFinishIn() {
    ListedRefusals refusals = new ListedRefusals(3);
    for (int number : new int[] {250, 7, 120, 3, 99, 400, 1}) {
      refusals.add(line(number));
    }
    assertThat(refusals.listed()).extracting(Refusal::line).containsExactly(1, 3, 7);
    assertThat(refusals.notListed()).isEqualTo(4);
  }

  @Test
  void underTheLimitListsAllByLine() {
    ListedRefusals refusals = new ListedRefusals(100);
    refusals.add(line(5));
    refusals.add(line(2));
    assertThat(refusals.listed()).extracting(Refusal::line).containsExactly(2, 5);
    assertThat(refusals.notListed()).isZero();
  }

  @Test
  void aJobQueuedBeforeTheLimitExistedListsAll() {
    ListedRefusals refusals = new ListedRefusals(0);
    for (int number = 1; number <= 1000; number++) {
      refusals.add(line(number));
    }
    assertThat(refusals.listed()).hasSize(1000);
    assertThat(refusals.notListed()).isZero();
  }
}
