package org.trialfhir.eligibility;

import static org.trialfhir.eligibility.CriterionEvaluatorTest.DATE;
import static org.trialfhir.eligibility.CriterionEvaluatorTest.UCUM;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationStatus;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Reference;

/**
 * One patient's record, built up by a test and evaluated at {@link CriterionEvaluatorTest#DATE} for
 * ResearchStudy/study-1, with the terminology of {@link DataEdgesTest#TERMS}.
 */
final class RecordFixture {

  final Patient patient = new Patient();
  final List<Condition> conditions = new ArrayList<>();
  final List<Observation> observations = new ArrayList<>();
  final List<AllergyIntolerance> allergies = new ArrayList<>();
  final List<Consent> consents = new ArrayList<>();
  CodeMembership terms = DataEdgesTest.TERMS;

  RecordFixture() {
    patient.setId("Patient/p1");
    patient.setBirthDateElement(new DateType("2014-01-10"));
  }

  CriterionResult evaluate(Criterion criterion) {
    return engine().evaluate(criterion);
  }

  CriterionEvaluator engine() {
    PatientRecord record =
        new PatientRecord(patient, conditions, observations, allergies, consents);
    return new CriterionEvaluator(record, DATE, "ResearchStudy/study-1", terms);
  }

  Condition condition(String system, String code, String clinical, String verification) {
    Condition c = new Condition();
    c.setId("Condition/c" + (conditions.size() + 1));
    c.getCode().addCoding(new Coding(system, code, null));
    if (clinical != null) {
      c.getClinicalStatus()
          .addCoding()
          .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical")
          .setCode(clinical);
    }
    if (verification != null) {
      c.getVerificationStatus()
          .addCoding()
          .setSystem("http://terminology.hl7.org/CodeSystem/condition-ver-status")
          .setCode(verification);
    }
    conditions.add(c);
    return c;
  }

  Observation result(String system, String code, String date) {
    Observation o = new Observation();
    o.setId("Observation/o" + (observations.size() + 1));
    o.setStatus(ObservationStatus.FINAL);
    o.getCode().addCoding(new Coding(system, code, null));
    if (date != null) {
      o.setEffective(new DateTimeType(date));
    }
    observations.add(o);
    return o;
  }

  Observation quantityResult(String system, String code, String date, String value, String unit) {
    Observation o = result(system, code, date);
    o.setValue(value(null, value, unit));
    return o;
  }

  static Quantity value(QuantityComparator comparator, String value, String unit) {
    Quantity q = new Quantity().setValue(new BigDecimal(value)).setSystem(UCUM).setCode(unit);
    if (comparator != null) {
      q.setComparator(comparator);
    }
    return q;
  }

  AllergyIntolerance allergy(String text, String criticality, String clinical) {
    AllergyIntolerance a = new AllergyIntolerance();
    a.setId("AllergyIntolerance/a" + (allergies.size() + 1));
    a.getCode().setText(text);
    a.setCriticality(AllergyIntolerance.AllergyIntoleranceCriticality.fromCode(criticality));
    if (clinical != null) {
      a.getClinicalStatus().addCoding().setCode(clinical);
    }
    allergies.add(a);
    return a;
  }

  Consent consent(String study) {
    Consent c = new Consent();
    c.setId("Consent/k" + (consents.size() + 1));
    c.setStatus(Consent.ConsentState.ACTIVE);
    c.getScope()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/consentscope")
        .setCode("research");
    c.addExtension(ResearchConsents.STUDY_CONTEXT, new Reference(study));
    consents.add(c);
    return c;
  }
}
