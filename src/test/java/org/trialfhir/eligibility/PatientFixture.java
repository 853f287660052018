package org.trialfhir.eligibility;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One test patient's record, written as ONE FHIR R4 JSON transaction Bundle of plain resources (no
 * {@code meta.profile}, as an EHR would send them), linked to the Patient by an {@code urn:uuid}
 * placeholder.
 *
 * <p>Resources sit in named slots ({@link #T1D}, {@link #CPEP_FASTING}, ...) so that a test can
 * start from {@link #eligibleChild()} and change exactly one thing: {@code set} replaces a slot,
 * {@code remove} empties it, {@code add} appends an extra resource. Quantities are given as strings
 * and written into the JSON verbatim, so boundary values such as {@code 0.1} reach the server
 * exactly as a lab would send them.
 *
 * <p>Test helper only; the name is chosen not to clash with the engine's classes in the same
 * package.
 */
public final class PatientFixture {

  public static final String SNOMED = "http://snomed.info/sct";
  public static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
  public static final String LOINC = "http://loinc.org";
  public static final String UCUM = "http://unitsofmeasure.org";
  public static final String TRIAL_LAB = "http://trialfhir.org/fhir/CodeSystem/trial-lab";
  public static final String INTERPRETATION =
      "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
  public static final String CONDITION_CLINICAL =
      "http://terminology.hl7.org/CodeSystem/condition-clinical";
  public static final String CONDITION_VERIFICATION =
      "http://terminology.hl7.org/CodeSystem/condition-ver-status";
  public static final String ALLERGY_CLINICAL =
      "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
  public static final String ALLERGY_VERIFICATION =
      "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
  public static final String DATA_ABSENT_REASON =
      "http://terminology.hl7.org/CodeSystem/data-absent-reason";
  public static final String RESEARCH_STUDY_CONTEXT =
      "http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext";
  public static final String MRN_SYSTEM = "urn:trialfhir:test:eligibility-mrn";

  /** Date of every lab and vital of the eligible child: 14 days before the reference date. */
  public static final String LAB_DATE = "2026-06-01";

  // Slots of the eligible child's record.
  public static final String T1D = "t1d";
  public static final String GAD65 = "gad65";
  public static final String CPEP_FASTING = "c-peptide-fasting";
  public static final String CPEP_2H = "c-peptide-2h";
  public static final String BMI = "bmi";
  public static final String CONSENT = "consent";

  private final String patientUrn = "urn:uuid:" + UUID.randomUUID();
  private final Map<String, Res> resources = new LinkedHashMap<>();
  private String birthDate;
  private String gender = "female";
  private int extras;

  private PatientFixture() {}

  /** A patient with no data besides gender (female) and what the test adds. */
  public static PatientFixture patient() {
    return new PatientFixture();
  }

  /**
   * A child who passes every computable criterion of NCT06407297 at the reference date 2026-06-15:
   * 12 years old, type 1 diabetes since 2026-03-01, GAD65 positive, fasting C-peptide 0.35 nmol/L
   * and 2-hour C-peptide 0.62 nmol/L, BMI 18.0 (all on 2026-06-01), research consent for
   * NCT06407297, nothing excluding.
   */
  public static PatientFixture eligibleChild() {
    return patient()
        .born("2014-01-10")
        .set(T1D, type1Diabetes("2026-03-01"))
        .set(GAD65, gad65().positive())
        .set(CPEP_FASTING, fastingCPeptide("0.35", "nmol/L"))
        .set(CPEP_2H, twoHourCPeptide("0.62", "nmol/L"))
        .set(BMI, bmi("18.0"))
        .set(CONSENT, researchConsent("ResearchStudy/nct06407297"));
  }

  /** A child who meets GXIPC1 phase 1: 12 years old, type 1 diabetes since 2026-03-01. */
  public static PatientFixture gxipc1Child() {
    return patient().born("2014-01-10").set(T1D, type1Diabetes("2026-03-01"));
  }

  public PatientFixture born(String date) {
    this.birthDate = date;
    return this;
  }

  public PatientFixture withoutBirthDate() {
    this.birthDate = null;
    return this;
  }

  public PatientFixture gender(String gender) {
    this.gender = gender;
    return this;
  }

  /** Puts {@code resource} into {@code slot}, replacing what was there. */
  public PatientFixture set(String slot, Res resource) {
    resources.remove(slot);
    resources.put(slot, resource);
    return this;
  }

  public PatientFixture remove(String slot) {
    if (resources.remove(slot) == null) {
      throw new IllegalArgumentException("no resource in slot " + slot);
    }
    return this;
  }

  /** Adds one more resource in a slot of its own ({@code extra-1}, {@code extra-2}, ...). */
  public PatientFixture add(Res resource) {
    return set("extra-" + (++extras), resource);
  }

  /** The slots in Bundle order; entry 0 is the Patient, entry i + 1 is {@code slots().get(i)}. */
  public List<String> slots() {
    return List.copyOf(resources.keySet());
  }

  /** The transaction Bundle; {@code mrn} makes the Patient unique in the shared database. */
  public String transaction(String mrn) {
    List<String> patient = new ArrayList<>();
    patient.add(member("resourceType", str("Patient")));
    patient.add(
        member(
            "identifier",
            "[" + object(member("system", str(MRN_SYSTEM)), member("value", str(mrn))) + "]"));
    patient.add(
        member(
            "name",
            "["
                + object(
                    member("family", str("Eligibility")), member("given", "[" + str(mrn) + "]"))
                + "]"));
    if (gender != null) {
      patient.add(member("gender", str(gender)));
    }
    if (birthDate != null) {
      patient.add(member("birthDate", str(birthDate)));
    }
    List<String> entries = new ArrayList<>();
    entries.add(entry(patientUrn, object(patient), "Patient"));
    for (Res resource : resources.values()) {
      entries.add(
          entry(
              "urn:uuid:" + UUID.randomUUID(), resource.json(patientUrn), resource.resourceType()));
    }
    return object(
        member("resourceType", str("Bundle")),
        member("type", str("transaction")),
        member("entry", "[" + String.join(",\n", entries) + "]"));
  }

  private static String entry(String fullUrl, String resource, String type) {
    return object(
        member("fullUrl", str(fullUrl)),
        member("resource", resource),
        member("request", object(member("method", str("POST")), member("url", str(type)))));
  }

  // ---------------------------------------------------------------- resource factories

  /** A type 1 diabetes Condition (SNOMED CT 46635009), active and confirmed, with onset. */
  public static Cond type1Diabetes(String onset) {
    return condition(SNOMED, "46635009").onset(onset);
  }

  /** A Condition with this code, clinicalStatus active, verificationStatus confirmed. */
  public static Cond condition(String system, String code) {
    return new Cond(system, code);
  }

  /** A final Observation with this code and no value or date yet. */
  public static Obs observation(String system, String code) {
    return new Obs(system, code);
  }

  /** Fasting C-peptide, coded trial-lab#c-peptide-fasting plus LOINC 1986-9, on the lab date. */
  public static Obs fastingCPeptide(String value, String ucumUnit) {
    return observation(TRIAL_LAB, "c-peptide-fasting")
        .alsoCoded(LOINC, "1986-9")
        .on(LAB_DATE)
        .quantity(value, ucumUnit);
  }

  /** 2-hour C-peptide, coded trial-lab#c-peptide-2h plus LOINC 1986-9, on the lab date. */
  public static Obs twoHourCPeptide(String value, String ucumUnit) {
    return observation(TRIAL_LAB, "c-peptide-2h")
        .alsoCoded(LOINC, "1986-9")
        .on(LAB_DATE)
        .quantity(value, ucumUnit);
  }

  /** GAD65 antibody (LOINC 13926-1) on the lab date, without a result yet. */
  public static Obs gad65() {
    return observation(LOINC, "13926-1").on(LAB_DATE);
  }

  /** BMI (LOINC 39156-5) in kg/m2 on the lab date. */
  public static Obs bmi(String value) {
    return observation(LOINC, "39156-5").on(LAB_DATE).quantity(value, "kg/m2");
  }

  /** Body weight (LOINC 29463-7) on the lab date. */
  public static Obs weight(String value, String ucumUnit) {
    return observation(LOINC, "29463-7").on(LAB_DATE).quantity(value, ucumUnit);
  }

  /** Body height (LOINC 8302-2) on the lab date. */
  public static Obs height(String value, String ucumUnit) {
    return observation(LOINC, "8302-2").on(LAB_DATE).quantity(value, ucumUnit);
  }

  /** HbA1c (LOINC 4548-4) in %. */
  public static Obs hba1c(String percent, String date) {
    return observation(LOINC, "4548-4").on(date).quantity(percent, "%");
  }

  /** An active research Consent whose ResearchStudyContext extension references the study. */
  public static Res researchConsent(String studyReference) {
    return researchConsent(studyReference, "active");
  }

  public static Res researchConsent(String studyReference, String status) {
    return new Res("Consent") {
      @Override
      String json(String patient) {
        return object(
            member("resourceType", str("Consent")),
            member(
                "extension",
                "["
                    + object(
                        member("url", str(RESEARCH_STUDY_CONTEXT)),
                        member("valueReference", reference(studyReference)))
                    + "]"),
            member("status", str(status)),
            member(
                "scope", concept("http://terminology.hl7.org/CodeSystem/consentscope", "research")),
            member("category", "[" + concept(LOINC, "59284-0") + "]"),
            member("patient", reference(patient)),
            member(
                "policyRule",
                concept("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN")));
      }
    };
  }

  /** A confirmed peanut AllergyIntolerance with this criticality and clinical status. */
  public static Res allergy(String criticality, String clinicalStatus) {
    return new Res("AllergyIntolerance") {
      @Override
      String json(String patient) {
        return object(
            member("resourceType", str("AllergyIntolerance")),
            member("clinicalStatus", concept(ALLERGY_CLINICAL, clinicalStatus)),
            member("verificationStatus", concept(ALLERGY_VERIFICATION, "confirmed")),
            member("criticality", str(criticality)),
            member("code", object(member("text", str("Peanut")))),
            member("patient", reference(patient)));
      }
    };
  }

  // ---------------------------------------------------------------- resource builders

  /** A resource of the record; its JSON refers to the patient by the given reference. */
  public abstract static class Res {
    private final String resourceType;

    Res(String resourceType) {
      this.resourceType = resourceType;
    }

    String resourceType() {
      return resourceType;
    }

    abstract String json(String patientReference);

    /** The resource's JSON about this patient ("Patient/123"), for a test to POST it. */
    public String jsonAbout(String patientReference) {
      return json(patientReference);
    }
  }

  /** A Condition; by default clinicalStatus active and verificationStatus confirmed. */
  public static final class Cond extends Res {
    private final String system;
    private final String code;
    private String clinicalStatus = "active";
    private String verificationStatus = "confirmed";
    private String onset;
    private String recordedDate;

    private Cond(String system, String code) {
      super("Condition");
      this.system = system;
      this.code = code;
    }

    public Cond onset(String dateTime) {
      onset = member("onsetDateTime", str(dateTime));
      return this;
    }

    public Cond onsetPeriodStart(String dateTime) {
      onset = member("onsetPeriod", object(member("start", str(dateTime))));
      return this;
    }

    public Cond onsetAgeYears(int years) {
      onset =
          member(
              "onsetAge",
              object(
                  member("value", String.valueOf(years)),
                  member("unit", str("years")),
                  member("system", str(UCUM)),
                  member("code", str("a"))));
      return this;
    }

    public Cond recorded(String dateTime) {
      recordedDate = dateTime;
      return this;
    }

    public Cond clinicalStatus(String status) {
      clinicalStatus = status;
      return this;
    }

    /**
     * Sets the verificationStatus; {@code entered-in-error} also drops clinicalStatus, which R4
     * (con-5) forbids alongside it.
     */
    public Cond verificationStatus(String status) {
      verificationStatus = status;
      if ("entered-in-error".equals(status)) {
        clinicalStatus = null;
      }
      return this;
    }

    @Override
    String json(String patient) {
      List<String> members = new ArrayList<>();
      members.add(member("resourceType", str("Condition")));
      if (clinicalStatus != null) {
        members.add(member("clinicalStatus", concept(CONDITION_CLINICAL, clinicalStatus)));
      }
      if (verificationStatus != null) {
        members.add(
            member("verificationStatus", concept(CONDITION_VERIFICATION, verificationStatus)));
      }
      members.add(member("code", concept(system, code)));
      members.add(member("subject", reference(patient)));
      if (onset != null) {
        members.add(onset);
      }
      if (recordedDate != null) {
        members.add(member("recordedDate", str(recordedDate)));
      }
      return object(members);
    }
  }

  /** An Observation; by default status final, no value, no effective date. */
  public static final class Obs extends Res {
    private final List<String> codings = new ArrayList<>();
    private String status = "final";
    private String effective;
    private String value;
    private String interpretation;
    private String referenceRangeHigh;

    private Obs(String system, String code) {
      super("Observation");
      codings.add(coding(system, code));
    }

    /** Adds a second coding to {@code Observation.code}. */
    public Obs alsoCoded(String system, String code) {
      codings.add(coding(system, code));
      return this;
    }

    public Obs on(String dateTime) {
      effective = dateTime;
      return this;
    }

    public Obs status(String status) {
      this.status = status;
      return this;
    }

    /** valueQuantity with this UCUM code as both unit and code; the value is written verbatim. */
    public Obs quantity(String number, String ucumCode) {
      value = member("valueQuantity", quantityJson(number, ucumCode));
      return this;
    }

    /** A value reported beyond a detection limit: valueQuantity with a comparator ("<0.1"). */
    public Obs limit(String comparator, String number, String ucumCode) {
      String quantity = quantityJson(number, ucumCode);
      value =
          member(
              "valueQuantity",
              "{" + member("comparator", str(comparator)) + "," + quantity.substring(1));
      return this;
    }

    /** A reference range whose upper limit states no unit, as laboratories print "≤ 15". */
    public Obs referenceRangeHighNumber(String number) {
      referenceRangeHigh = object(member("value", number));
      return this;
    }

    public Obs concept(String system, String code) {
      value = member("valueCodeableConcept", PatientFixture.concept(system, code));
      return this;
    }

    public Obs text(String text) {
      value = member("valueString", str(text));
      return this;
    }

    public Obs interpretation(String v3Code) {
      interpretation = v3Code;
      return this;
    }

    public Obs referenceRangeHigh(String number, String ucumCode) {
      referenceRangeHigh = quantityJson(number, ucumCode);
      return this;
    }

    /** Interpretation POS and value SNOMED CT 10828004 (Positive). */
    public Obs positive() {
      return interpretation("POS").concept(SNOMED, "10828004");
    }

    /** Interpretation NEG and value SNOMED CT 260385009 (Negative). */
    public Obs negative() {
      return interpretation("NEG").concept(SNOMED, "260385009");
    }

    /** No value, but a dataAbsentReason (R4 obs-6 forbids both). */
    public Obs dataAbsent() {
      value = member("dataAbsentReason", PatientFixture.concept(DATA_ABSENT_REASON, "error"));
      return this;
    }

    @Override
    String json(String patient) {
      List<String> members = new ArrayList<>();
      members.add(member("resourceType", str("Observation")));
      members.add(member("status", str(status)));
      members.add(member("code", object(member("coding", "[" + String.join(",", codings) + "]"))));
      members.add(member("subject", reference(patient)));
      if (effective != null) {
        members.add(member("effectiveDateTime", str(effective)));
      }
      if (value != null) {
        members.add(value);
      }
      if (interpretation != null) {
        members.add(
            member(
                "interpretation",
                "[" + PatientFixture.concept(INTERPRETATION, interpretation) + "]"));
      }
      if (referenceRangeHigh != null) {
        members.add(
            member("referenceRange", "[" + object(member("high", referenceRangeHigh)) + "]"));
      }
      return object(members);
    }
  }

  // ---------------------------------------------------------------- JSON writing

  private static String quantityJson(String number, String ucumCode) {
    new BigDecimal(number); // a typo in a test value fails here, not as a confusing 400
    return object(
        member("value", number),
        member("unit", str(ucumCode)),
        member("system", str(UCUM)),
        member("code", str(ucumCode)));
  }

  static String concept(String system, String code) {
    return object(member("coding", "[" + coding(system, code) + "]"));
  }

  private static String coding(String system, String code) {
    return object(member("system", str(system)), member("code", str(code)));
  }

  private static String reference(String reference) {
    return object(member("reference", str(reference)));
  }

  private static String member(String name, String jsonValue) {
    return str(name) + ":" + jsonValue;
  }

  private static String object(String... members) {
    return object(List.of(members));
  }

  private static String object(List<String> members) {
    return "{" + String.join(",", members) + "}";
  }

  static String str(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
