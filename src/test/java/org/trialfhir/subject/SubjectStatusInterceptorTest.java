package org.trialfhir.subject;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubjectStatusInterceptorTest {

  private final SubjectStatusInterceptor interceptor = new SubjectStatusInterceptor();

  private static ResearchSubject subject(String status) {
    ResearchSubject subject = new ResearchSubject();
    subject.setId("ResearchSubject/7");
    subject.setStatus(ResearchSubjectStatus.fromCode(status));
    return subject;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"potential-candidate", "candidate", "screening", "eligible", "pending-on-study"})
  void onlyEnrolPutsAPreEnrolmentSubjectOnStudy(String from) {
    assertThatThrownBy(
            () ->
                interceptor.statusChange(
                    subject(from), subject("on-study"), new SystemRequestDetails()))
        .isInstanceOf(UnprocessableEntityException.class)
        .hasMessageContaining("$enroll");
    SystemRequestDetails enrolling = new SystemRequestDetails();
    enrolling.getUserData().put(Enrolment.ENROLLING, Boolean.TRUE);
    assertThatCode(() -> interceptor.statusChange(subject(from), subject("on-study"), enrolling))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"candidate>screening", "eligible>ineligible", "on-study>follow-up"})
  void otherForwardStepsNeedNoOperation(String step) {
    String[] fromTo = step.split(">");
    assertThatCode(
            () ->
                interceptor.statusChange(
                    subject(fromTo[0]), subject(fromTo[1]), new SystemRequestDetails()))
        .doesNotThrowAnyException();
  }
}
