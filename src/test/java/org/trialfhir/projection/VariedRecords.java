package org.trialfhir.projection;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Patients' records in the shapes real data takes, for tests that compare what is read from the
 * projection with what is read from the resources: birth dates to the year or month, diagnoses
 * refuted or entered in error or with several status codings, onsets as dates, periods, ages or
 * only a recorded date, results beyond a detection limit ({@code <0.1}), in units UCUM cannot
 * relate (HbA1c in % and mmol/mol, C-peptide in U/L), not final, without a value, untimed, dated to
 * the month, by a period open on one side, by an instant in another time zone, or outside the
 * window, positive or negative by interpretation, coded value or reference range (as a number, with
 * its own unit, or as text), and values of other types. Around the reference date 2026-06-15.
 */
final class VariedRecords {

  static final String DATE = "2026-06-15";
  static final String SNOMED = "http://snomed.info/sct";
  static final String ICD10 = "http://hl7.org/fhir/sid/icd-10-cm";
  static final String LOINC = "http://loinc.org";
  static final String UCUM = "http://unitsofmeasure.org";
  static final String TRIAL_LAB = "http://trialfhir.org/fhir/CodeSystem/trial-lab";
  static final String V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
  static final String CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical";
  static final String VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status";

  private VariedRecords() {}

  /** A transaction Bundle: entry 0 the Patient, then its record's resources. */
  static String transaction(Random random) {
    String patient = "urn:uuid:" + UUID.randomUUID();
    List<String> entries = new ArrayList<>();
    entries.add(
        """
        {"fullUrl":"%s","resource":%s,"request":{"method":"POST","url":"Patient"}}"""
            .formatted(patient, patient(random)));
    for (String resource : record(random, patient)) {
      String type = resource.contains("\"Condition\"") ? "Condition" : "Observation";
      if (resource.contains("\"AllergyIntolerance\"")) {
        type = "AllergyIntolerance";
      } else if (resource.contains("\"Consent\"")) {
        type = "Consent";
      }
      entries.add(
          """
          {"resource":%s,"request":{"method":"POST","url":"%s"}}"""
              .formatted(resource, type));
    }
    return """
        {"resourceType":"Bundle","type":"transaction","entry":[%s]}"""
        .formatted(String.join(",\n", entries));
  }

  static String patient(Random random) {
    String born =
        switch (random.nextInt(5)) {
          case 0 -> String.valueOf(2005 + random.nextInt(16));
          case 1 -> (2005 + random.nextInt(16)) + "-06";
          case 2 -> "2014-01-10";
          default -> (2005 + random.nextInt(16)) + "-0" + (1 + random.nextInt(9)) + "-15";
        };
    String gender = List.of("female", "male", "unknown").get(random.nextInt(3));
    return """
        {"resourceType":"Patient","name":[{"family":"Varied"}],"gender":"%s"%s}"""
        .formatted(gender, random.nextInt(12) == 0 ? "" : ",\"birthDate\":\"" + born + "\"");
  }

  /** Several Conditions and Observations, and sometimes an allergy and a research consent. */
  static List<String> record(Random random, String patient) {
    List<String> resources = new ArrayList<>();
    int conditions = random.nextInt(4);
    for (int i = 0; i < conditions; i++) {
      resources.add(condition(random, patient));
    }
    int observations = random.nextInt(9);
    for (int i = 0; i < observations; i++) {
      resources.add(observation(random, patient));
    }
    if (random.nextInt(5) == 0) {
      resources.add(
          """
          {"resourceType":"AllergyIntolerance","patient":{"reference":"%s"},
           "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},
           "criticality":"%s","code":{"text":"Peanut"}}"""
              .formatted(patient, random.nextBoolean() ? "high" : "low"));
    }
    if (random.nextBoolean()) {
      resources.add(
          """
          {"resourceType":"Consent","status":"active","patient":{"reference":"%s"},
           "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/consent-ResearchStudyContext",
             "valueReference":{"reference":"ResearchStudy/nct06407297"}}],
           "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"research"}]},
           "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
           "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]}}"""
              .formatted(patient));
    }
    return resources;
  }

  // ---- Conditions

  static String condition(Random random, String patient) {
    String code =
        switch (random.nextInt(9)) {
          case 0, 1 -> coding(SNOMED, "46635009", "Type 1 diabetes mellitus");
          case 2 -> coding(ICD10, "E10.9", null);
          case 3 -> coding(SNOMED, "420422005", "Diabetic ketoacidosis");
          case 4 -> coding(SNOMED, "396331005", null); // coeliac disease: autoimmune
          case 5 -> coding(SNOMED, "77386006", "Pregnant");
          case 6 -> coding(ICD10, "B20", null);
          case 7 -> coding("urn:local:problems", "T1", "Local diabetes code");
          default -> coding(SNOMED, "44054006", "Type 2 diabetes mellitus");
        };
    if (random.nextInt(4) == 0) {
      code = code + "," + coding(ICD10, "E10.65", null);
    }
    String text = random.nextInt(3) == 0 ? "\"text\":\"As the clinician wrote it\"," : "";
    List<String> members = new ArrayList<>();
    members.add("\"resourceType\":\"Condition\"");
    members.add("\"subject\":{\"reference\":\"" + patient + "\"}");
    members.add("\"code\":{" + text + "\"coding\":[" + code + "]}");
    String verification =
        switch (random.nextInt(7)) {
          case 0 -> "refuted";
          case 1 -> "entered-in-error";
          case 2 -> "unconfirmed";
          case 3 -> null;
          case 4 -> "two";
          default -> "confirmed";
        };
    if ("two".equals(verification)) {
      members.add(
          "\"verificationStatus\":{\"coding\":["
              + coding(VERIFICATION, "confirmed", null)
              + ","
              + coding(VERIFICATION, "refuted", null)
              + "]}");
    } else if (verification != null) {
      members.add(
          "\"verificationStatus\":{\"coding\":[" + coding(VERIFICATION, verification, null) + "]}");
    }
    if (!"entered-in-error".equals(verification)) {
      String clinical =
          switch (random.nextInt(6)) {
            case 0 -> coding(CLINICAL, "resolved", null);
            case 1 -> coding(CLINICAL, "inactive", null) + "," + coding(CLINICAL, "relapse", null);
            case 2 -> null;
            default -> coding(CLINICAL, "active", null);
          };
      if (clinical != null) {
        members.add("\"clinicalStatus\":{\"coding\":[" + clinical + "]}");
      }
    }
    switch (random.nextInt(9)) {
      case 0 -> members.add("\"onsetDateTime\":\"2026-0" + (1 + random.nextInt(6)) + "\"");
      case 1 -> members.add("\"onsetDateTime\":\"2025\"");
      case 2 -> members.add("\"onsetDateTime\":\"2026-03-01T23:30:00-05:00\"");
      case 3 -> members.add("\"onsetPeriod\":{\"start\":\"2025-12-1" + random.nextInt(10) + "\"}");
      case 4 ->
          members.add(
              "\"onsetAge\":{\"value\":%d,\"unit\":\"%s\",\"system\":\"%s\",\"code\":\"%s\"}"
                  .formatted(
                      1 + random.nextInt(15),
                      random.nextBoolean() ? "years" : "months",
                      UCUM,
                      random.nextBoolean() ? "a" : "mo"));
      case 5 -> members.add("\"onsetString\":\"in childhood\"");
      case 6 -> {
        // no onset at all
      }
      default -> members.add("\"onsetDateTime\":\"2026-0" + (1 + random.nextInt(6)) + "-10\"");
    }
    if (random.nextInt(3) == 0) {
      members.add("\"recordedDate\":\"2026-0" + (1 + random.nextInt(5)) + "-02\"");
    }
    return "{" + String.join(",", members) + "}";
  }

  // ---- Observations

  static String observation(Random random, String patient) {
    return switch (random.nextInt(10)) {
      case 0, 1 -> cPeptide(random, patient);
      case 2 -> autoantibody(random, patient);
      case 3 -> hba1c(random, patient);
      case 4 -> bmiOrWeightOrHeight(random, patient);
      case 5 -> pregnancyStatus(random, patient);
      case 6 -> serology(random, patient);
      case 7 -> autoantibody(random, patient);
      default -> cPeptide(random, patient);
    };
  }

  static String cPeptide(Random random, String patient) {
    String code =
        switch (random.nextInt(4)) {
          case 0 -> coding(TRIAL_LAB, "c-peptide-fasting", "Fasting C-peptide");
          case 1 -> coding(TRIAL_LAB, "c-peptide-2h", null) + "," + coding(LOINC, "1986-9", null);
          case 2 -> coding(LOINC, "1986-9", "C peptide [Moles/volume] in Serum or Plasma");
          default -> coding(LOINC, "13037-7", null);
        };
    String value =
        switch (random.nextInt(8)) {
          case 0 -> limit("<", "0.1", "nmol/L");
          case 1 -> quantity("0.4", "U/L", "units per litre");
          case 2 -> quantity("1.05", "ng/mL", "ng/mL");
          case 3 -> quantity("350", "pmol/L", "picomoles per litre");
          case 4 -> quantity("0.0" + random.nextInt(10), "nmol/L", "nmol/L");
          case 5 -> "\"valueString\":\"see report\"";
          default -> quantity("0.3" + random.nextInt(10), "nmol/L", "nmol/L");
        };
    return observationJson(random, patient, code, value, "");
  }

  static String autoantibody(Random random, String patient) {
    String code =
        random.nextBoolean()
            ? coding(LOINC, "13926-1", "Glutamate decarboxylase 65 Ab")
            : coding(TRIAL_LAB, "ia2-antibody", null);
    String value;
    String extra = "";
    switch (random.nextInt(9)) {
      case 0 -> {
        value = concept(SNOMED, "10828004");
        extra = interpretation(random.nextBoolean() ? "POS" : "NEG");
      }
      case 1 -> value = concept(SNOMED, "260385009");
      case 2 -> {
        value = quantity("20", "U/mL", "U/mL");
        extra = ",\"referenceRange\":[{\"high\":{\"value\":15}}]";
      }
      case 3 -> {
        value = limit("<", "5", "U/mL");
        extra = ",\"referenceRange\":[{\"text\":\"≤ " + (3 + random.nextInt(4)) + "\"}]";
      }
      case 4 -> {
        value = quantity("10000", "[IU]/L", "[IU]/L");
        extra =
            random.nextBoolean()
                ? ",\"referenceRange\":[{\"high\":{\"value\":15,\"code\":\"[IU]/mL\","
                    + "\"system\":\""
                    + UCUM
                    + "\"}}]"
                : ",\"referenceRange\":[{\"high\":{\"value\":15,\"unit\":\"[IU]/mL\"}}]";
      }
      case 5 -> {
        value = "";
        extra =
            ",\"interpretation\":[{\"coding\":[{\"system\":\"%s\",\"code\":\"NEG\"}]},"
                    .formatted(V3)
                + "{\"coding\":[{\"system\":\"%s\",\"code\":\"POS\"}]}]".formatted(V3);
      }
      case 6 -> {
        value = "";
        extra = ",\"interpretation\":[{\"text\":\"weakly reactive\"}]";
      }
      case 7 -> {
        value = "\"dataAbsentReason\":{\"coding\":[{\"code\":\"error\"}]}";
        extra = interpretation("POS");
      }
      default -> {
        value = concept("urn:local:results", "reactive");
        extra =
            ",\"interpretation\":[{\"coding\":[{\"system\":\"%s\",\"code\":\"N\"},".formatted(V3)
                + "{\"system\":\"%s\",\"code\":\"POS\"}]}]".formatted(V3);
      }
    }
    return observationJson(random, patient, code, value, extra);
  }

  static String hba1c(Random random, String patient) {
    String value =
        switch (random.nextInt(5)) {
          case 0 -> quantity("48", "mmol/mol", "mmol/mol");
          case 1 -> quantity("135", "mg/dL", "mg/dL");
          case 2 -> quantity("10." + random.nextInt(10), "%", "%");
          case 3 -> "\"valueString\":\"7.1 %\"";
          default -> quantity(String.valueOf(6 + random.nextInt(8)), "%", "%");
        };
    return observationJson(random, patient, coding(LOINC, "4548-4", "Hemoglobin A1c"), value, "");
  }

  static String bmiOrWeightOrHeight(Random random, String patient) {
    return switch (random.nextInt(3)) {
      case 0 ->
          observationJson(
              random,
              patient,
              coding(LOINC, "39156-5", null),
              switch (random.nextInt(6)) {
                case 0 -> limit("<", "14", "kg/m2");
                case 1 ->
                    "\"valueQuantity\":{\"unit\":\"kg/m2\",\"system\":\"%s\",\"code\":\"kg/m2\"}"
                        .formatted(UCUM);
                default -> quantity(String.valueOf(12 + random.nextInt(26)), "kg/m2", "kg/m2");
              },
              "");
      case 1 ->
          observationJson(
              random,
              patient,
              coding(LOINC, "29463-7", "Body weight"),
              random.nextBoolean()
                  ? quantity("4" + random.nextInt(10), "kg", "kg")
                  : quantity("9" + random.nextInt(10), "[lb_av]", "lb"),
              "");
      default ->
          observationJson(
              random,
              patient,
              coding(LOINC, "8302-2", "Body height"),
              random.nextBoolean()
                  ? quantity("15" + random.nextInt(10), "cm", "cm")
                  : quantity("6" + random.nextInt(10), "[in_i]", "in"),
              "");
    };
  }

  static String pregnancyStatus(Random random, String patient) {
    String value = random.nextBoolean() ? concept(SNOMED, "77386006") : concept(SNOMED, "60001007");
    return observationJson(random, patient, coding(LOINC, "82810-3", null), value, "");
  }

  static String serology(Random random, String patient) {
    String value =
        random.nextBoolean() ? concept(SNOMED, "10828004") : concept(SNOMED, "260385009");
    return observationJson(random, patient, coding(LOINC, "7917-8", null), value, "");
  }

  private static String observationJson(
      Random random, String patient, String code, String value, String extra) {
    String status =
        switch (random.nextInt(10)) {
          case 0 -> "preliminary";
          case 1 -> "amended";
          case 2 -> "entered-in-error";
          case 3 -> "corrected";
          default -> "final";
        };
    String effective = effective(random);
    String text = random.nextInt(4) == 0 ? "\"text\":\"As the laboratory named it\"," : "";
    return """
        {"resourceType":"Observation","status":"%s","subject":{"reference":"%s"},
         "code":{%s"coding":[%s]}%s%s%s}"""
        .formatted(
            status,
            patient,
            text,
            code,
            effective.isEmpty() ? "" : "," + effective,
            value.isEmpty() ? "" : "," + value,
            extra);
  }

  /** Around the 90-day window before 2026-06-15 (it starts 2026-03-17). */
  static String effective(Random random) {
    return switch (random.nextInt(14)) {
      case 0 -> "\"effectiveDateTime\":\"2026-03-17\"";
      case 1 -> "\"effectiveDateTime\":\"2026-03-16\"";
      case 2 -> "\"effectiveDateTime\":\"2026-03\"";
      case 3 -> "\"effectiveDateTime\":\"2026\"";
      case 4 -> "\"effectiveDateTime\":\"2026-06-15T23:30:00+14:00\"";
      case 5 -> "\"effectiveDateTime\":\"2026-06-16\"";
      case 6 -> "\"effectivePeriod\":{\"start\":\"2026-03-01\",\"end\":\"2026-04-01\"}";
      case 7 -> "\"effectivePeriod\":{\"end\":\"2026-04\"}";
      case 8 -> "\"effectivePeriod\":{\"start\":\"2026-06-10\"}";
      case 9 -> "\"effectiveInstant\":\"2026-05-20T08:15:00.000+02:00\"";
      case 10 -> ""; // untimed
      case 11 -> "\"effectiveDateTime\":\"2025-10-01\""; // inside the pregnancy window only
      default ->
          "\"effectiveDateTime\":\"2026-0"
              + (4 + random.nextInt(3))
              + "-0"
              + (1 + random.nextInt(9))
              + "\"";
    };
  }

  // ---- JSON pieces

  static String coding(String system, String code, String display) {
    return display == null
        ? "{\"system\":\"%s\",\"code\":\"%s\"}".formatted(system, code)
        : "{\"system\":\"%s\",\"code\":\"%s\",\"display\":\"%s\"}".formatted(system, code, display);
  }

  static String quantity(String value, String code, String unit) {
    return "\"valueQuantity\":{\"value\":%s,\"unit\":\"%s\",\"system\":\"%s\",\"code\":\"%s\"}"
        .formatted(value, unit, UCUM, code);
  }

  static String limit(String comparator, String value, String code) {
    return ("\"valueQuantity\":{\"comparator\":\"%s\",\"value\":%s,\"unit\":\"%s\","
            + "\"system\":\"%s\",\"code\":\"%s\"}")
        .formatted(comparator, value, code, UCUM, code);
  }

  static String concept(String system, String code) {
    return "\"valueCodeableConcept\":{\"coding\":[" + coding(system, code, null) + "]}";
  }

  static String interpretation(String code) {
    return ",\"interpretation\":[{\"coding\":[" + coding(V3, code, null) + "]}]";
  }
}
