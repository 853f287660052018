package org.trialfhir.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PreEnrolmentArmRuleTest {

  private static ResearchSubject subject(String status, String arm) {
    ResearchSubject subject = new ResearchSubject();
    subject.setStatus(ResearchSubjectStatus.fromCode(status));
    subject.setAssignedArm(arm);
    return subject;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "potential-candidate",
        "candidate",
        "screening",
        "eligible",
        "pending-on-study",
        "ineligible",
        "not-registered"
      })
  void aSubjectNotEnrolledIsGivenNoArm(String status) {
    assertThatThrownBy(() -> PreEnrolmentArmRule.check(null, subject(status, "Placebo")))
        .isInstanceOf(UnprocessableEntityException.class)
        .hasMessageContaining("$enroll");
    ResearchSubject actual = subject(status, null).setActualArm("Placebo");
    assertThatThrownBy(() -> PreEnrolmentArmRule.check(subject(status, null), actual))
        .isInstanceOf(UnprocessableEntityException.class);
    assertThatCode(() -> PreEnrolmentArmRule.check(null, subject(status, null)))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"on-study", "follow-up", "withdrawn", "off-study"})
  void anEnrolledSubjectKeepsItsArm(String status) {
    assertThatCode(() -> PreEnrolmentArmRule.check(null, subject(status, "Placebo")))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"candidate", "screening"})
  void anArmStoredBeforeTheRuleIsDroppedNotRefused(String status) {
    ResearchSubject after = subject(status, "Placebo");
    PreEnrolmentArmRule.check(subject("candidate", "Placebo"), after);
    assertThat(after.hasAssignedArm()).isFalse();
  }
}
