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
}
