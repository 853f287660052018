package org.trialfhir.watch;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;
import org.trialfhir.eligibility.PatientFixture;
import org.trialfhir.subscription.TestInbox;

/**
 * Screening that runs itself, in a context where it is on: a write that changes what a recruiting
 * study's criteria read is followed, after commit and off the request, by a Task for the study's
 * coordinators when the change is news; never twice for the same change; Tasks are read under the
 * same rules as any resource.
 */
@Tag("own-context")
// Not in the PostgreSQL run: there the shared test context uses the same database, and its HAPI
// scheduler may work the subscription queue before it has loaded this context's new Subscription
// (the multi-node lag of docs/watch.md). Closed after, so it cannot do the same to others.
@DirtiesContext
class WatchIT extends IntegrationTestBase {

  /** On here; off for the other tests (src/test/resources/config/application.properties). */
  @DynamicPropertySource
  static void watchOn(DynamicPropertyRegistry registry) {
    registry.add("trialfhir.watch.enabled", () -> "true");
  }

  private static final String NCT = "ResearchStudy/nct06407297";

  @Test
  void aTaskWhenAPatientBecomesWorthALookAndWhenABlockingCriterionNowPasses() {
    String patient = createPatient(unique("watch"), LocalDate.now().minusYears(12).toString());
    // Without a diagnosis the child is ineligible for NCT06407297: no news.
    waitForQuiet();
    assertThat(tasks(patient, NCT)).isEmpty();
    // A coordinator's worklist follows this patient's new Tasks (an R4 rest-hook Subscription).
    String inbox = TestInbox.follow(this::fhir, "Task?status=requested&patient=Patient/" + patient);

    fhir()
        .body(
            PatientFixture.type1Diabetes(LocalDate.now().minusMonths(2).toString())
                .jsonAbout("Patient/" + patient))
        .post("/Condition")
        .then()
        .statusCode(201);

    // The diagnosis that blocked now passes; C-peptides, autoantibodies, BMI and consent still
    // lack.
    JsonPath diagnosed = awaitTask(patient, NCT, t -> true);
    assertThat(diagnosed.getString("status")).isEqualTo("requested");
    assertThat(diagnosed.getString("intent")).isEqualTo("proposal");
    assertThat(diagnosed.getString("for.reference")).isEqualTo("Patient/" + patient);
    assertThat(diagnosed.getString("input.find { it.type.text == 'verdict' }.valueCode"))
        .isEqualTo("insufficient-data");
    assertThat(diagnosed.getString("input.find { it.type.text == 'verdict-before' }.valueCode"))
        .isEqualTo("ineligible");
    assertThat(nowPassing(diagnosed)).contains("inc-diabetes-dx");
    TestInbox.await(inbox, 1);

    // A fasting C-peptide arrives: that criterion now passes, though data still lack elsewhere.
    String cpeptide =
        """
        {"resourceType":"Observation","status":"final","subject":{"reference":"Patient/%s"},
         "code":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/trial-lab","code":"c-peptide-fasting"},
                           {"system":"http://loinc.org","code":"1986-9"}]},
         "effectiveDateTime":"%s",
         "valueQuantity":{"value":0.35,"unit":"nmol/L","system":"http://unitsofmeasure.org","code":"nmol/L"}}
        """
            .formatted(patient, LocalDate.now().minusDays(3));
    String observation =
        fhir().body(cpeptide).post("/Observation").then().statusCode(201).extract().path("id");
    JsonPath nct = awaitTask(patient, NCT, t -> nowPassing(t).contains("inc-cpeptide-fasting"));
    TestInbox.await(inbox, 2);
    assertThat(nct.getString("input.find { it.type.text == 'verdict' }.valueCode"))
        .isEqualTo("insufficient-data");

    // The same result written again changes nothing: no second Task for the same change.
    fhir()
        .body(cpeptide.replaceFirst("\\{", "{\"id\":\"" + observation + "\","))
        .put("/Observation/" + observation)
        .then()
        .statusCode(200);
    waitForQuiet();
    assertThat(tasks(patient, NCT)).hasSize(2);
    assertThat(TestInbox.received(inbox)).as("one notification per Task").hasSize(2);

    // A caller who may not read Tasks reads none.
    fhirAs(TestTokens.token("system/Patient.rs", List.of("coordinator"), null))
        .queryParam("patient", "Patient/" + patient)
        .get("/Task")
        .then()
        .statusCode(403);
  }

  @Test
  void aStudyWhoseCoordinatorsTurnedTasksOffGetsNone() {
    IParser json = FhirContext.forR4Cached().newJsonParser();
    String original = fhir().get("/" + NCT).then().statusCode(200).extract().asString();
    ResearchStudy off = json.parseResource(ResearchStudy.class, original);
    off.addExtension(Rescreening.CANDIDATE_TASKS, new BooleanType(false));
    fhir().body(json.encodeResourceToString(off)).put("/" + NCT).then().statusCode(200);
    try {
      String patient = createPatient(unique("quiet"), LocalDate.now().minusYears(12).toString());
      fhir()
          .body(
              PatientFixture.type1Diabetes(LocalDate.now().minusMonths(2).toString())
                  .jsonAbout("Patient/" + patient))
          .post("/Condition")
          .then()
          .statusCode(201);
      waitForQuiet();
      assertThat(tasks(patient, NCT)).isEmpty();
    } finally {
      fhir().body(original).put("/" + NCT).then().statusCode(200);
    }
  }

  private static List<String> nowPassing(JsonPath task) {
    return task.getList(
        "input.findAll { it.type.text == 'now-passing' }.valueString", String.class);
  }

  private JsonPath awaitTask(String patient, String study, Predicate<JsonPath> wanted) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    while (true) {
      List<JsonPath> found = tasks(patient, study);
      for (JsonPath task : found) {
        if (wanted.test(task)) {
          return task;
        }
      }
      assertThat(Instant.now()).as("a Task for %s about %s", study, patient).isBefore(deadline);
      sleep(300);
    }
  }

  private List<JsonPath> tasks(String patient, String study) {
    JsonPath bundle =
        fhir()
            .queryParam("patient", "Patient/" + patient)
            .queryParam("focus", study)
            .get("/Task")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    List<Object> entries = bundle.getList("entry");
    int n = entries == null ? 0 : entries.size();
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(i -> new JsonPath(bundle.prettify()).setRootPath("entry[" + i + "].resource"))
        .toList();
  }

  /** Lets the watcher take and evaluate what was queued. */
  private static void waitForQuiet() {
    sleep(5000);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
