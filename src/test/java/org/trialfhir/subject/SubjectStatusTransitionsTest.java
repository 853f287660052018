package org.trialfhir.subject;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SubjectStatusTransitionsTest {

  @Test
  void forwardThroughTheLifecycle() {
    assertThat(SubjectStatusTransitions.allowed("candidate", "on-study")).isTrue();
    assertThat(SubjectStatusTransitions.allowed("on-study", "follow-up")).isTrue();
    assertThat(SubjectStatusTransitions.allowed("follow-up", "off-study")).isTrue();
    assertThat(SubjectStatusTransitions.allowed("on-study", "withdrawn")).isTrue();
    assertThat(SubjectStatusTransitions.allowed(null, "on-study")).as("first status").isTrue();
    assertThat(SubjectStatusTransitions.allowed("on-study", "on-study")).as("unchanged").isTrue();
  }

  @Test
  void neverBackwardsAndNeverOutOfAFinalStatus() {
    assertThat(SubjectStatusTransitions.allowed("withdrawn", "on-study")).isFalse();
    assertThat(SubjectStatusTransitions.allowed("off-study", "follow-up")).isFalse();
    assertThat(SubjectStatusTransitions.allowed("follow-up", "on-study")).isFalse();
    assertThat(SubjectStatusTransitions.allowed("ineligible", "eligible")).isFalse();
    assertThat(SubjectStatusTransitions.next("withdrawn")).isEmpty();
  }

  @Test
  void theWorklistsStepsAndEnrolmentFromAnyPreEnrolmentStatus() {
    assertThat(SubjectStatusTransitions.allowed("potential-candidate", "eligible"))
        .as("eligible on the record before contact")
        .isTrue();
    assertThat(SubjectStatusTransitions.allowed("screening", "pending-on-study"))
        .as("consenting while screening goes on")
        .isTrue();
    assertThat(SubjectStatusTransitions.allowed("pending-on-study", "ineligible"))
        .as("a screen failure after consent")
        .isTrue();
    for (String before : SubjectStatusTransitions.BEFORE_ENROLMENT) {
      assertThat(SubjectStatusTransitions.allowed(before, "on-study")).as(before).isTrue();
    }
    assertThat(SubjectStatusTransitions.allowed("potential-candidate", "pending-on-study"))
        .as("consent follows a contact")
        .isFalse();
    assertThat(SubjectStatusTransitions.allowed("not-registered", "candidate")).isFalse();
  }

  @Test
  void enrolmentIsTheStepFromBeforeEnrolmentToOnStudy() {
    assertThat(SubjectStatusTransitions.enrolment("candidate", "on-study")).isTrue();
    assertThat(SubjectStatusTransitions.enrolment("pending-on-study", "on-study")).isTrue();
    assertThat(SubjectStatusTransitions.enrolment("on-study", "follow-up")).isFalse();
    assertThat(SubjectStatusTransitions.enrolment(null, "on-study"))
        .as("a new subject is not moved")
        .isFalse();
    assertThat(SubjectStatusTransitions.enrolment("candidate", "screening")).isFalse();
  }
}
