package org.trialfhir.screeninglog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.trialfhir.subject.SubjectStatusTransitions;

class ScreeningStatusTest {

  @Test
  void eachScreeningStatusIsTheDocumentedResearchSubjectStatus() {
    assertThat(ScreeningStatus.ofCode("not-contacted").subjectStatus())
        .isEqualTo(ResearchSubjectStatus.POTENTIALCANDIDATE);
    assertThat(ScreeningStatus.ofCode("contacted").subjectStatus())
        .isEqualTo(ResearchSubjectStatus.CANDIDATE);
    assertThat(ScreeningStatus.ofCode("screening").subjectStatus())
        .isEqualTo(ResearchSubjectStatus.SCREENING);
    assertThat(ScreeningStatus.ofCode("eligible").subjectStatus())
        .isEqualTo(ResearchSubjectStatus.ELIGIBLE);
    assertThat(ScreeningStatus.ofCode("screen-failure").subjectStatus())
        .isEqualTo(ResearchSubjectStatus.INELIGIBLE);
    assertThat(ScreeningStatus.ofCode("declined").subjectStatus())
        .isEqualTo(ResearchSubjectStatus.NOTREGISTERED);
    assertThat(ScreeningStatus.ofCode("consented").subjectStatus())
        .isEqualTo(ResearchSubjectStatus.PENDINGONSTUDY);
  }

  @Test
  void readingASubjectBackGivesTheStatusRecorded() {
    for (ScreeningStatus status : ScreeningStatus.values()) {
      assertThat(ScreeningStatus.ofSubject(status.subjectStatus())).contains(status);
    }
    assertThat(ScreeningStatus.ofSubject(ResearchSubjectStatus.FOLLOWUP))
        .contains(ScreeningStatus.ENROLLED);
    assertThat(ScreeningStatus.ofSubject(ResearchSubjectStatus.OFFSTUDY))
        .contains(ScreeningStatus.LEFT);
    assertThat(ScreeningStatus.ofSubject(null)).isEmpty();
  }

  @Test
  void noRecordableStatusCountsAsEnrolledAndNoneHasAnArmToCarry() {
    Arrays.stream(ScreeningStatus.values())
        .filter(ScreeningStatus::recordable)
        .forEach(
            s ->
                assertThat(SubjectStatusTransitions.ENROLLED)
                    .as(s.code())
                    .doesNotContain(s.subjectStatus().toCode()));
  }

  @Test
  void enrolmentAndUnknownCodesAreRefusedNamingTheChoices() {
    assertThatThrownBy(() -> ScreeningStatus.ofCode("enrolled"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("$enroll")
        .hasMessageContaining("screen-failure");
    assertThatThrownBy(() -> ScreeningStatus.ofCode("Contacted"))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void onlyAScreenFailureAndARefusalNeedTheirReason() {
    assertThat(Arrays.stream(ScreeningStatus.values()).filter(ScreeningStatus::needsReason))
        .containsExactlyInAnyOrder(ScreeningStatus.SCREEN_FAILURE, ScreeningStatus.DECLINED);
  }

  @Test
  void theCodesAreThoseOfThePackagesCodeSystem() throws IOException {
    try (InputStream in =
        new ClassPathResource("fhir-profiles/CodeSystem-screening-status.json").getInputStream()) {
      CodeSystem codeSystem =
          FhirContext.forR4Cached().newJsonParser().parseResource(CodeSystem.class, in);
      assertThat(codeSystem.getUrl()).isEqualTo(ScreeningStatus.SYSTEM);
      assertThat(codeSystem.getConcept().stream().map(c -> c.getCode()))
          .containsExactlyElementsOf(
              Arrays.stream(ScreeningStatus.values()).map(ScreeningStatus::code).toList());
      codeSystem
          .getConcept()
          .forEach(
              c ->
                  assertThat(c.getDisplay())
                      .isEqualTo(
                          Arrays.stream(ScreeningStatus.values())
                              .filter(s -> s.code().equals(c.getCode()))
                              .findFirst()
                              .orElseThrow()
                              .display()));
    }
  }
}
