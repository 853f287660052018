package org.trialfhir.subject;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import org.hl7.fhir.r4.model.DateTimeType;
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
  private final EntryDates dates;

  SubjectWithdrawal(DaoRegistry daos, EntryDates dates) {
    this.daos = daos;
    this.dates = dates;
  }

  @Transactional
  ResearchSubject withdraw(IdType id, String reason, LocalDate end, RequestDetails caller) {
    if (reason == null || reason.isBlank()) {
      throw new InvalidRequestException(
          "Parameter 'reason' is required: say why the subject leaves");
    }
    IFhirResourceDao<ResearchSubject> dao = daos.getResourceDao(ResearchSubject.class);
    // Read as the caller first (a caller who may not read the subject hears so), then change the
    // stored version, not the copy shown to the caller (masked for a blinded caller), and write it
    // as the caller, so every write rule applies.
    dao.read(id.toUnqualifiedVersionless(), caller);
    ResearchSubject subject = dao.read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
    if (end.isAfter(dates.today())) {
      throw new InvalidRequestException(
          "Withdrawal date (parameter 'date') "
              + end
              + " is in the future: today is "
              + dates.today()
              + "; withdraw on the day the subject leaves");
    }
    if (subject.getPeriod().hasStart()) {
      LocalDate start = EntryDates.first(subject.getPeriod().getStartElement());
      if (start.isAfter(dates.today())) {
        // A start still to come never happened (only a subject stored before enrolment dates were
        // checked can have one): withdrawing it ends a participation that did not begin, so the
        // start goes; the wrong date stays in the subject's history.
        subject.getPeriod().setStartElement(null);
      } else if (end.isBefore(start)) {
        throw new InvalidRequestException(
            "Withdrawal date "
                + end
                + " is before the subject's start "
                + subject.getPeriod().getStartElement().getValueAsString());
      }
    }
    String current = subject.hasStatus() ? subject.getStatus().toCode() : null;
    if (current != null && SubjectStatusTransitions.next(current).isEmpty()) {
      throw new UnprocessableEntityException(
          "ResearchSubject/" + id.getIdPart() + " is already '" + current + "', a final status");
    }
    subject.setStatus(ResearchSubjectStatus.WITHDRAWN);
    subject.getPeriod().setEndElement(new DateTimeType(end.toString()));
    subject.addExtension(REASON_EXTENSION, new StringType(reason));
    return (ResearchSubject) dao.update(subject, caller).getResource();
  }
}
