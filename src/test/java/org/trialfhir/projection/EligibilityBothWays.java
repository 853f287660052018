package org.trialfhir.projection;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * {@code $eligibility} asked twice for each patient and study: with the projection forced off (the
 * record read from the resources) and on. The whole Parameters answer is compared: verdict, every
 * criterion's outcome, reason and evidence.
 */
final class EligibilityBothWays {

  /** The seeded studies, and one more for the criteria they do not have (see {@link #study}). */
  static final List<String> SEEDED = List.of("nct06407297", "gxipc1-phase1");

  private final Supplier<RequestSpecification> caller;
  private final ProjectionReads projection;

  EligibilityBothWays(Supplier<RequestSpecification> caller, ProjectionReads projection) {
    this.caller = caller;
    this.projection = projection;
  }

  /** Each patient × study's answer read from the resources, keyed "patient study". */
  Map<String, String> fromResources(List<String> patients, List<String> studies) {
    projection.setEnabled(false);
    try {
      return answers(patients, studies);
    } finally {
      projection.setEnabled(true);
    }
  }

  /** The same from the projection. */
  Map<String, String> fromProjection(List<String> patients, List<String> studies) {
    projection.setEnabled(true);
    long before = projection.answered();
    Map<String, String> answers = answers(patients, studies);
    assertThat(projection.answered()).as("answered from the projection").isGreaterThan(before);
    return answers;
  }

  /** Both ways agree for every patient and study. */
  Map<String, String> assertAgree(List<String> patients, List<String> studies) {
    Map<String, String> resources = fromResources(patients, studies);
    Map<String, String> fromProjection = fromProjection(patients, studies);
    for (String key : resources.keySet()) {
      assertThat(fromProjection.get(key)).as(key).isEqualTo(resources.get(key));
    }
    return resources;
  }

  String answer(String patient, String study) {
    Response response = ask(patient, study);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    return response.asString();
  }

  /** The answer as it comes, whatever its status. */
  Response ask(String patient, String study) {
    return caller
        .get()
        .queryParam("patient", "Patient/" + patient)
        .queryParam("date", VariedRecords.DATE)
        .get("/ResearchStudy/" + study + "/$eligibility");
  }

  /** Asked four at a time: the comparison is of answers, not of their order. */
  private Map<String, String> answers(List<String> patients, List<String> studies) {
    Map<String, Future<String>> asked = new TreeMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (String patient : patients) {
        for (String study : studies) {
          asked.put(patient + " " + study, pool.submit(() -> answer(patient, study)));
        }
      }
      Map<String, String> answers = new TreeMap<>();
      for (Map.Entry<String, Future<String>> answer : asked.entrySet()) {
        answers.put(answer.getKey(), answer.getValue().get());
      }
      return answers;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error error) {
        throw error; // an assertion that failed in the pool
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A study of the criteria kinds and units the seeded ones do not exercise: HbA1c (whose % and
   * mmol/mol UCUM cannot relate; the package's ValueSet states how), an onset within 12 months, a
   * BMI, and all-negative serology. Its id.
   */
  static String study(RequestSpecification fhir) {
    String group = "urn:uuid:" + java.util.UUID.randomUUID();
    String vs = "http://trialfhir.org/fhir/ValueSet/";
    String body =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"fullUrl":"%1$s",
           "resource":{"resourceType":"Group","type":"person","actual":false,"characteristic":[
             %2$s,%3$s,%4$s,%5$s]},
           "request":{"method":"POST","url":"Group"}},
          {"resource":{"resourceType":"ResearchStudy","title":"Projection agreement",
             "identifier":[{"system":"urn:trialfhir:test:study","value":"%1$s"}],
             "status":"active","enrollment":[{"reference":"%1$s"}]},
           "request":{"method":"POST","url":"ResearchStudy"}}]}
        """
            .formatted(
                group,
                criterion(
                    "inc-hba1c",
                    "observation-value",
                    vs + "hba1c",
                    "\"valueQuantity\":{\"value\":10,\"comparator\":\"<=\",\"unit\":\"%\","
                        + "\"system\":\"http://unitsofmeasure.org\",\"code\":\"%\"}"),
                criterion(
                    "inc-onset",
                    "condition-onset",
                    vs + "type-1-diabetes",
                    "\"valueQuantity\":{\"value\":12,\"unit\":\"months\","
                        + "\"system\":\"http://unitsofmeasure.org\",\"code\":\"mo\"}"),
                criterion(
                    "inc-bmi",
                    "bmi",
                    null,
                    "\"valueQuantity\":{\"value\":18,\"comparator\":\">=\",\"unit\":\"kg/m2\","
                        + "\"system\":\"http://unitsofmeasure.org\",\"code\":\"kg/m2\"}"),
                criterion(
                    "inc-serology",
                    "observation-all-negative",
                    vs + "infection-serology-test",
                    "\"valueBoolean\":true"));
    String location =
        fhir.body(body)
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[1].response.location");
    return location.split("/")[1];
  }

  private static String criterion(String id, String kind, String valueSet, String value) {
    String extensions =
        "{\"url\":\"http://trialfhir.org/fhir/StructureDefinition/criterion-description\","
            + "\"valueString\":\""
            + id
            + "\"}"
            + (valueSet == null
                ? ""
                : ",{\"url\":\"http://trialfhir.org/fhir/StructureDefinition/criterion-valueset\","
                    + "\"valueCanonical\":\""
                    + valueSet
                    + "\"}");
    return """
        {"id":"%s","extension":[%s],
         "code":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/criterion-kind","code":"%s"}]},
         %s,"exclude":false}"""
        .formatted(id, extensions, kind, value);
  }
}
