package org.trialfhir.subject;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import java.time.ZoneId;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Withdraws a subject: status withdrawn, period end, and the reason (extension {@link
 * #REASON_EXTENSION}). The lifecycle interceptor refuses it for a subject already in a final
 * status.
 */
@Service
class SubjectWithdrawal {

  static final String REASON_EXTENSION =
      "http://trialfhir.org/fhir/StructureDefinition/withdrawal-reason";

  private final DaoRegistry daos;

  SubjectWithdrawal(DaoRegistry daos) {
    this.daos = daos;
  }

  @Transactional
  ResearchSubject withdraw(IdType id, String reason, DateType date) {
    if (reason == null || reason.isBlank()) {
      throw new InvalidRequestException(
          "Parameter 'reason' is required: say why the subject leaves");
    }
    if (date != null && !date.isEmpty() && date.getPrecision() != TemporalPrecisionEnum.DAY) {
      throw new InvalidRequestException(
          "Parameter 'date' must be a full date (YYYY-MM-DD), not '"
              + date.getValueAsString()
              + "'");
    }
    IFhirResourceDao<ResearchSubject> dao = daos.getResourceDao(ResearchSubject.class);
    ResearchSubject subject = dao.read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
    LocalDate end =
        date == null || date.isEmpty()
            ? LocalDate.now(ZoneId.systemDefault())
            : LocalDate.parse(date.getValueAsString());
    if (subject.getPeriod().hasStart()
        && end.isBefore(
            LocalDate.parse(
                subject.getPeriod().getStartElement().getValueAsString().substring(0, 10)))) {
      throw new InvalidRequestException(
          "Withdrawal date "
              + end
              + " is before the subject's start "
              + subject.getPeriod().getStartElement().getValueAsString());
    }
    String current = subject.hasStatus() ? subject.getStatus().toCode() : null;
    if (current != null && SubjectStatusTransitions.next(current).isEmpty()) {
      throw new UnprocessableEntityException(
          "ResearchSubject/" + id.getIdPart() + " is already '" + current + "', a final status");
    }
    subject.setStatus(ResearchSubjectStatus.WITHDRAWN);
    subject.getPeriod().setEndElement(new DateTimeType(end.toString()));
    subject.addExtension(REASON_EXTENSION, new StringType(reason));
    return (ResearchSubject) dao.update(subject, new SystemRequestDetails()).getResource();
  }
}
