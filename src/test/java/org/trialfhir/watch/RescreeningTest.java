package org.trialfhir.watch;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.junit.jupiter.api.Test;

class RescreeningTest {

  @Test
  void aStudyWantsTasksUnlessItsCoordinatorsSetCandidateTasksToFalse() {
    assertThat(Rescreening.wantsTasks(new ResearchStudy())).isTrue();
    assertThat(Rescreening.wantsTasks(study(true))).isTrue();
    assertThat(Rescreening.wantsTasks(study(false))).isFalse();
  }

  private static ResearchStudy study(boolean tasks) {
    ResearchStudy study = new ResearchStudy();
    study.addExtension(Rescreening.CANDIDATE_TASKS, new BooleanType(tasks));
    return study;
  }
}
