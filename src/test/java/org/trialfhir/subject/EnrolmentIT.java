package org.trialfhir.subject;

import static java.util.Comparator.comparingInt;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.trialfhir.eligibility.PatientFixture.CONSENT;
import static org.trialfhir.eligibility.PatientFixture.CPEP_FASTING;
import static org.trialfhir.eligibility.PatientFixture.T1D;
import static org.trialfhir.eligibility.PatientFixture.eligibleChild;
import static org.trialfhir.eligibility.PatientFixture.researchConsent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;
import org.trialfhir.eligibility.PatientFixture;

/**
 * {@code ResearchStudy/[id]/$enroll} over HTTP: the enrolled subject, its treatment allocation (a
 * security-labelled Basic) and the study's allocation sequence, the Provenance of the enrolment,
 * the refusals (ineligible, missing data, unconfirmed manual review, no consent, bad input, unknown
 * study, twice, full study), permuted-block balance and reproducibility from the seed, concurrent
 * enrolments against the cap and for one patient, withdrawal, searches, and the cap on direct
 * writes of ResearchSubject.
 *
 * <p>Every test creates its own randomised, quadruple-masked study (two arms, block size 4) on the
 * criteria Group of the seed study NCT06407297, and loads its own patients, each as {@link
 * PatientFixture#eligibleChild()} with a research consent for that study: they pass every
 * computable criterion at {@value #DATE}, the reference date of every call, and need the five
 * manual-review criteria confirmed.
 */
@Tag("persistence")
class EnrolmentIT extends IntegrationTestBase {

  private static final String DATE = "2026-06-15";
  private static final String CRITERIA_GROUP = "Group/nct06407297-eligibility";
  private static final String EXPERIMENTAL = "Experimental group";
  private static final String PLACEBO = "Placebo Comparator group";

  /** The arms of every study of this test, in the study's order, each with ratio 1. */
  private static final List<String> ARMS = List.of(EXPERIMENTAL, PLACEBO);

  private static final int BLOCK_SIZE = 4;

  /** NCT06407297's manual-review criteria, all of which an investigator must confirm. */
  private static final List<String> MANUAL_REVIEW =
      List.of(
          "exc-infection",
          "exc-organ-disease",
          "exc-pregnancy-plans",
          "exc-compliance",
          "exc-investigator");

  private static final String SD = "http://trialfhir.org/fhir/StructureDefinition/";
  private static final String TREATMENT_ALLOCATION = SD + "treatment-allocation";
  private static final String ALLOCATION = SD + "allocation";
  private static final String ALLOCATION_SEQUENCE = SD + "allocation-sequence";
  private static final String CONFIRMED_CRITERION = SD + "confirmed-criterion";
  private static final String ALLOCATION_KIND =
      "http://trialfhir.org/fhir/CodeSystem/allocation-kind";
  private static final String SECURITY_LABEL =
      "http://trialfhir.org/fhir/CodeSystem/security-label";

  private static final ObjectMapper JSON = new ObjectMapper();

  // ============================================================================ success

  @Test
  void anEligiblePatientIsEnrolledWithAHiddenAllocationAndAProvenance() {
    String seed = unique("seed");
    String study = createStudy(24, seed);
    Loaded child = load(eligibleFor(study));

    JsonPath subject = enrolled(study, EnrolInput.of(child.patientId()));

    // The subject: on study from the date, with the consent found on record.
    String subjectId = subject.getString("id");
    assertThat(subjectId).isNotBlank();
    assertThat(typeAndId(subject.getString("study.reference"))).isEqualTo("ResearchStudy/" + study);
    assertThat(typeAndId(subject.getString("individual.reference")))
        .isEqualTo("Patient/" + child.patientId());
    assertThat(subject.getString("period.start")).isEqualTo(DATE);
    assertThat(typeAndId(subject.getString("consent.reference"))).isEqualTo(child.id(CONSENT));
    assertThat(subject.getString("assignedArm")).as("masked study: no arm on the subject").isNull();
    fhir()
        .get("/ResearchSubject/" + subjectId)
        .then()
        .statusCode(200)
        .body("status", equalTo("on-study"));

    // The allocation: a security-labelled Basic that the subject references.
    Allocation allocation = allocation(treatmentAllocation(subject));
    assertThat(allocation.patient()).isEqualTo("Patient/" + child.patientId());
    assertThat(allocation.arm()).isIn(ARMS);
    assertThat(allocation.stratum()).isEqualTo("all");
    assertThat(allocation.position()).isEqualTo(1);
    assertThat(allocation.block()).isEqualTo(1);
    assertThat(allocation.study()).isEqualTo("ResearchStudy/" + study);

    // The sequence: the study's seed, block size and arms; slot 1 used by this subject.
    Sequence sequence = sequence(study);
    assertThat(allocation.sequence()).isEqualTo("Basic/" + sequence.id());
    assertThat(sequence.algorithm()).isNotBlank();
    assertThat(sequence.seed()).isEqualTo(seed);
    assertThat(sequence.blockSize()).isEqualTo(BLOCK_SIZE);
    assertThat(sequence.arms()).containsExactly(EXPERIMENTAL + ":1", PLACEBO + ":1");
    Slot first = sequence.slot(1);
    assertThat(first.stratum()).isEqualTo("all");
    assertThat(first.block()).isEqualTo(1);
    assertThat(first.arm()).isEqualTo(allocation.arm());
    assertThat(first.subject()).isEqualTo("ResearchSubject/" + subjectId);
    assertThat(sequence.usedSlots()).hasSize(1);

    // The Provenance: who confirmed which manual-review criteria: the caller, an investigator,
    // as their token names them (issuer and subject), never a reference the request names.
    JsonNode provenance = provenance(subjectId);
    assertThat(confirmedCriteria(provenance)).containsExactlyInAnyOrderElementsOf(MANUAL_REVIEW);
    JsonNode verifier = provenance.path("agent").path(0);
    assertThat(verifier.path("type").path("coding").path(0).path("code").asText())
        .isEqualTo("verifier");
    assertThat(verifier.path("who").path("identifier").path("system").asText())
        .isEqualTo(TestTokens.ISSUER);
    assertThat(verifier.path("who").path("identifier").path("value").asText()).startsWith("user-");
    // ...and who performed it: the caller's OAuth client and user, not the server.
    JsonNode performer = provenance.path("agent").path(1);
    assertThat(performer.path("type").path("coding").path(0).path("code").asText())
        .isEqualTo("performer");
    assertThat(performer.path("who").path("identifier").path("system").asText())
        .isEqualTo("urn:trialfhir:oauth-client");
    assertThat(performer.path("who").path("identifier").path("value").asText()).isNotBlank();
    assertThat(performer.path("who").path("display").asText())
        .startsWith(performer.path("who").path("identifier").path("value").asText() + " ");
  }

  @Test
  void theConsentGivenAsParameterIsTheOneRecorded() {
    String study = createStudy(24, unique("seed"));
    // Two qualifying consents on record; the second one is named explicitly.
    Loaded child = load(eligibleFor(study).add(researchConsent("ResearchStudy/" + study)));
    String explicit = child.id("extra-1");

    JsonPath subject = enrolled(study, EnrolInput.of(child.patientId()).consent(explicit));

    assertThat(typeAndId(subject.getString("consent.reference"))).isEqualTo(explicit);
    String stored =
        fhir()
            .get("/ResearchSubject/" + subject.getString("id"))
            .then()
            .statusCode(200)
            .extract()
            .path("consent.reference");
    assertThat(typeAndId(stored)).isEqualTo(explicit);
  }

  // ============================================================================ refusals

  @Test
  void anIneligiblePatientIsRefusedAndNothingIsCreated() {
    String study = createStudy(24, unique("seed"));
    Loaded child = load(eligibleFor(study).remove(T1D));

    assertRefused(enroll(study, EnrolInput.of(child.patientId())), 422, "inc-diabetes-dx");

    assertThat(subjects(study)).isZero();
  }

  @Test
  void aPatientWithMissingDataIsRefusedAndNothingIsCreated() {
    String study = createStudy(24, unique("seed"));
    Loaded child = load(eligibleFor(study).remove(CPEP_FASTING));

    assertRefused(enroll(study, EnrolInput.of(child.patientId())), 422, "inc-cpeptide-fasting");

    assertThat(subjects(study)).isZero();
  }

  @Test
  void anUnconfirmedManualReviewCriterionIsRefusedAndNamedAlone() {
    String study = createStudy(24, unique("seed"));
    Loaded child = load(eligibleFor(study));
    List<String> confirmed = MANUAL_REVIEW.subList(0, 4);
    assertThat(confirmed).doesNotContain("exc-investigator");

    String text =
        assertRefused(
            enroll(study, EnrolInput.of(child.patientId()).confirmed(confirmed)),
            422,
            "exc-investigator");

    for (String c : confirmed) {
      assertThat(text).as("confirmed criterion %s is not a reason", c).doesNotContain(c);
    }
    assertThat(subjects(study)).isZero();
  }

  @Test
  void aPatientWithoutConsentForTheStudyIsRefusedAndNothingIsCreated() {
    String study = createStudy(24, unique("seed"));
    Loaded child = load(eligibleChild().remove(CONSENT));

    assertRefused(enroll(study, EnrolInput.of(child.patientId())), 422, "inc-consent");

    assertThat(subjects(study)).isZero();
  }

  @Test
  void anUnknownConfirmedCriterionIsABadRequest() {
    String study = createStudy(24, unique("seed"));
    Loaded child = load(eligibleFor(study));
    List<String> confirmed = new ArrayList<>(MANUAL_REVIEW);
    confirmed.add("exc-no-such-criterion");

    assertRefused(
        enroll(study, EnrolInput.of(child.patientId()).confirmed(confirmed)),
        400,
        "exc-no-such-criterion");

    assertThat(subjects(study)).isZero();
  }

  @Test
  void aMissingPatientIsABadRequest() {
    String study = createStudy(24, unique("seed"));

    assertRefused(enroll(study, EnrolInput.withoutPatient()), 400, "patient");

    assertThat(subjects(study)).isZero();
  }

  @Test
  void anUnknownStudyIsNotFound() {
    String patient = createPatient(unique("Enrol"), "2014-01-10");

    assertRefused(enroll(unique("no-such-study"), EnrolInput.of(patient)), 404);
  }

  // ============================================================================ randomisation

  @Test
  void permutedBlocksBalanceTheArmsAndTheTargetCapsTheStudy() {
    String study = createStudy(24, unique("seed"));
    List<Loaded> patients = loadEligible(study, 25);

    List<Allocation> allocations = new ArrayList<>();
    for (Loaded patient : patients.subList(0, 24)) {
      allocations.add(
          allocation(treatmentAllocation(enrolled(study, EnrolInput.of(patient.patientId())))));
    }

    List<Allocation> inOrder = inPositionOrder(allocations);
    assertThat(inOrder).extracting(Allocation::position).containsExactlyElementsOf(range(1, 24));
    List<String> arms = inOrder.stream().map(Allocation::arm).toList();
    assertThat(arms).allMatch(ARMS::contains);
    assertThat(Collections.frequency(arms, EXPERIMENTAL)).as("arms %s", arms).isEqualTo(12);
    assertThat(Collections.frequency(arms, PLACEBO)).as("arms %s", arms).isEqualTo(12);
    for (int block = 0; block < 24 / BLOCK_SIZE; block++) {
      List<String> blockArms = arms.subList(block * BLOCK_SIZE, (block + 1) * BLOCK_SIZE);
      assertThat(Collections.frequency(blockArms, EXPERIMENTAL))
          .as("block %d: %s", block + 1, blockArms)
          .isEqualTo(2);
      assertThat(Collections.frequency(blockArms, PLACEBO))
          .as("block %d: %s", block + 1, blockArms)
          .isEqualTo(2);
    }
    for (Allocation a : inOrder) {
      assertThat(a.block())
          .as("block of position %d", a.position())
          .isEqualTo((a.position() - 1) / BLOCK_SIZE + 1);
    }

    // The 25th eligible patient finds the study full.
    Loaded last = patients.get(24);
    assertRefused(enroll(study, EnrolInput.of(last.patientId())), 409);
    assertThat(onStudy(study)).isEqualTo(24);
    assertThat(subjectsOf(study, last.patientId())).isZero();
  }

  @Test
  void theSequenceFollowsFromTheSeedAlone() {
    String seed = unique("seed");
    String study = createStudy(24, seed);
    String sameSeed = createStudy(24, seed);
    String otherSeed = unique("other-seed");
    String other = createStudy(24, otherSeed);
    int n = 2 * BLOCK_SIZE;
    List<PatientFixture> fixtures = new ArrayList<>();
    for (String s : List.of(study, sameSeed, other)) {
      for (int i = 0; i < n; i++) {
        fixtures.add(eligibleFor(s));
      }
    }
    List<Loaded> patients = load(fixtures);

    List<Allocation> first = enrolAll(study, patients.subList(0, n));
    List<Allocation> second = enrolAll(sameSeed, patients.subList(n, 2 * n));
    List<Allocation> third = enrolAll(other, patients.subList(2 * n, 3 * n));

    assertThat(arms(second)).as("same seed, same sequence").isEqualTo(arms(first));

    assertMatchesStoredAndRecomputedSequence(study, seed, first);
    assertMatchesStoredAndRecomputedSequence(sameSeed, seed, second);
    assertMatchesStoredAndRecomputedSequence(other, otherSeed, third);
  }

  // ============================================================================ concurrency

  @Test
  void concurrentEnrolmentsForTheLastPlaceLetExactlyOneIn() throws Exception {
    String study = createStudy(3, unique("seed"));
    List<Loaded> patients = loadEligible(study, 10);
    List<Allocation> allocations = new ArrayList<>();
    for (Loaded patient : patients.subList(0, 2)) {
      allocations.add(
          allocation(treatmentAllocation(enrolled(study, EnrolInput.of(patient.patientId())))));
    }

    List<Answer> answers =
        concurrently(
            patients.subList(2, 10).stream()
                .map(p -> (Callable<Answer>) () -> answer(enrollRequest(study, p.patientId())))
                .toList());

    List<Answer> accepted = answers.stream().filter(a -> a.status() == 200).toList();
    assertThat(accepted).as("answers %s", answers).hasSize(1);
    for (Answer refused : answers) {
      if (refused.status() != 200) {
        assertThat(refused.status()).as(refused.body()).isIn(409, 422);
        outcomeText(refused.body());
      }
    }
    assertThat(onStudy(study)).isEqualTo(3);
    assertThat(subjects(study)).isEqualTo(3);

    // The winner took the next slot; no slot was taken twice or lost.
    allocations.add(allocation(treatmentAllocation(accepted.get(0).json())));
    assertThat(allocations).extracting(Allocation::position).containsExactlyInAnyOrder(1, 2, 3);
    assertThat(sequence(study).usedSlots()).hasSize(3);
  }

  @Test
  void concurrentEnrolmentsOfOnePatientCreateOneSubject() throws Exception {
    String study = createStudy(24, unique("seed"));
    String patient = load(eligibleFor(study)).patientId();

    List<Answer> answers =
        concurrently(
            IntStream.range(0, 4)
                .mapToObj(i -> (Callable<Answer>) () -> answer(enrollRequest(study, patient)))
                .toList());

    assertThat(answers.stream().filter(a -> a.status() == 200))
        .as("answers %s", answers)
        .hasSize(1);
    for (Answer refused : answers) {
      if (refused.status() != 200) {
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        outcomeText(refused.body());
      }
    }
    assertThat(subjectsOf(study, patient)).isEqualTo(1);
    assertThat(subjects(study)).isEqualTo(1);
  }

  @Test
  void enrollingTheSamePatientTwiceIsAConflict() {
    String study = createStudy(24, unique("seed"));
    String patient = load(eligibleFor(study)).patientId();
    enrolled(study, EnrolInput.of(patient));

    assertRefused(enroll(study, EnrolInput.of(patient)), 409);

    assertThat(subjectsOf(study, patient)).isEqualTo(1);
  }

  // ============================================================================ withdrawal

  @Test
  void aWithdrawnPatientCannotReenrolButFreesAPlace() {
    String study = createStudy(2, unique("seed"));
    List<Loaded> patients = loadEligible(study, 3);
    String withdrawn = patients.get(0).patientId();
    String stays = patients.get(1).patientId();
    String waiting = patients.get(2).patientId();
    String subject = enrolled(study, EnrolInput.of(withdrawn)).getString("id");
    enrolled(study, EnrolInput.of(stays));
    assertRefused(enroll(study, EnrolInput.of(waiting)), 409);

    withdraw(subject);

    // There is room again, yet the withdrawn patient may not come back.
    assertRefused(enroll(study, EnrolInput.of(withdrawn)), 409);
    assertThat(subjectsOf(study, withdrawn)).isEqualTo(1);
    fhir()
        .get("/ResearchSubject/" + subject)
        .then()
        .statusCode(200)
        .body("status", equalTo("withdrawn"));

    // The place the withdrawal freed goes to the patient who was waiting.
    enrolled(study, EnrolInput.of(waiting));
    assertThat(onStudy(study)).isEqualTo(2);
  }

  // ============================================================================ search

  @Test
  void aStudysSubjectsAndAPatientsStudiesCanBeSearched() {
    String study = createStudy(24, unique("seed"));
    String other = createStudy(24, unique("seed"));
    List<Loaded> patients =
        load(
            List.of(
                eligibleFor(study).add(researchConsent("ResearchStudy/" + other)),
                eligibleFor(study),
                eligibleFor(study)));
    String inBoth = patients.get(0).patientId();
    String s1 = enrolled(study, EnrolInput.of(inBoth)).getString("id");
    String s2 = enrolled(study, EnrolInput.of(patients.get(1).patientId())).getString("id");
    String s3 = enrolled(study, EnrolInput.of(patients.get(2).patientId())).getString("id");
    withdraw(s3);
    enrolled(other, EnrolInput.of(inBoth));

    List<String> onStudy =
        fhir()
            .queryParam("study", "ResearchStudy/" + study)
            .queryParam("status", "on-study")
            .queryParam("_count", 100)
            .get("/ResearchSubject")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("entry.resource.id", String.class);
    assertThat(onStudy).containsExactlyInAnyOrder(s1, s2);

    List<String> studies =
        fhir()
            .queryParam("_has:ResearchSubject:study:patient", "Patient/" + inBoth)
            .queryParam("_count", 100)
            .get("/ResearchStudy")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("entry.resource.id", String.class);
    assertThat(studies).containsExactlyInAnyOrder(study, other);
  }

  // ============================================================================ direct writes

  @Test
  void aDirectWriteCannotPutASubjectOnAFullStudy() {
    String study = createStudy(1, unique("seed"));
    enrolled(study, EnrolInput.of(load(eligibleFor(study)).patientId()));
    String patient = createPatient(unique("Direct"), "2014-01-10");

    assertRefused(
        fhir().body(researchSubject("on-study", study, patient)).post("/ResearchSubject"), 409);
    fhir()
        .body(researchSubject("candidate", study, patient))
        .post("/ResearchSubject")
        .then()
        .statusCode(201);

    assertThat(onStudy(study)).isEqualTo(1);
  }

  // ============================================================================ allocations

  /** The study team without the unblinded role, allowed to write. */
  private static final String BLINDED_WRITER =
      org.trialfhir.TestTokens.token("user/*.cruds", List.of("coordinator"), null);

  /**
   * An investigator without the unblinded role: who enrols a patient whose manual-review criteria
   * need confirming (a coordinator cannot confirm them, {@link EnrolmentDatesIT}).
   */
  private static final String BLINDED_INVESTIGATOR =
      org.trialfhir.TestTokens.token("user/*.cruds", List.of("investigator"), null);

  @Test
  void aBlindedInvestigatorEnrolsAndTheServerWritesTheAllocation() {
    String study = createStudy(24, unique("seed"));
    Loaded child = load(eligibleFor(study));
    Response response =
        fhirAs(BLINDED_INVESTIGATOR)
            .body(EnrolInput.of(child.patientId()).json())
            .post("/ResearchStudy/" + study + "/$enroll");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    Allocation allocation = allocation(treatmentAllocation(response.jsonPath()));
    assertThat(allocation.study()).isEqualTo("ResearchStudy/" + study);
  }

  @Test
  void aSubjectMayReferenceOnlyTheAllocationDrawnForItsPatientInItsStudy() {
    String masked = createStudy(24, unique("seed"));
    List<Loaded> children = loadEligible(masked, 2);
    String drawn =
        treatmentAllocation(enrolled(masked, EnrolInput.of(children.get(0).patientId())));
    String open = createOpenLabelStudy();

    // The forged subject of the attack: an open-label study's subject pointing at the allocation.
    String forged = subjectWithAllocation(open, children.get(0).patientId(), drawn);
    Response blinded = fhirAs(BLINDED_WRITER).body(forged).post("/ResearchSubject");
    assertThat(blinded.statusCode()).as(blinded.asString()).isEqualTo(403);
    assertThat(blinded.asString()).contains("treatment-allocation").doesNotContain(EXPERIMENTAL);
    Response unblinded = fhir().body(forged).post("/ResearchSubject");
    assertThat(unblinded.statusCode()).as(unblinded.asString()).isEqualTo(422);
    assertThat(unblinded.asString()).contains("same patient in the same study");

    // Another patient's allocation in the right study is not this patient's either.
    Response otherPatient =
        fhir()
            .body(subjectWithAllocation(masked, children.get(1).patientId(), drawn))
            .post("/ResearchSubject");
    assertThat(otherPatient.statusCode()).as(otherPatient.asString()).isEqualTo(422);

    // Nor through a transaction.
    String bundle =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[{"resource":%s,
          "request":{"method":"POST","url":"ResearchSubject"}}]}
        """
            .formatted(forged);
    assertThat(fhir().body(bundle).post("/").statusCode()).isEqualTo(422);
    assertThat(subjects(open)).isZero();
  }

  @Test
  void aBlindedCallerCannotRepointOrRemoveASubjectsAllocation() {
    String study = createStudy(24, unique("seed"));
    List<Loaded> children = loadEligible(study, 2);
    JsonPath first = enrolled(study, EnrolInput.of(children.get(0).patientId()));
    String second =
        treatmentAllocation(enrolled(study, EnrolInput.of(children.get(1).patientId())));
    String id = first.getString("id");
    String asShown =
        fhirAs(BLINDED_WRITER)
            .get("/ResearchSubject/" + id)
            .then()
            .statusCode(200)
            .extract()
            .asString();

    String repointed = asShown.replace(treatmentAllocation(first), second);
    Response put = fhirAs(BLINDED_WRITER).body(repointed).put("/ResearchSubject/" + id);
    assertThat(put.statusCode()).as(put.asString()).isEqualTo(403);

    int index = first.getList("extension.url", String.class).indexOf(TREATMENT_ALLOCATION);
    Response patch =
        fhirAs(BLINDED_WRITER)
            .contentType("application/json-patch+json")
            .body("[{\"op\":\"remove\",\"path\":\"/extension/" + index + "\"}]")
            .patch("/ResearchSubject/" + id);
    assertThat(patch.statusCode()).as(patch.asString()).isEqualTo(403);

    // Unchanged, the allocation is still the one drawn; an update that leaves it alone is fine.
    Response unchanged = fhirAs(BLINDED_WRITER).body(asShown).put("/ResearchSubject/" + id);
    assertThat(unchanged.statusCode()).as(unchanged.asString()).isEqualTo(200);
    JsonPath stored = fhir().get("/ResearchSubject/" + id).jsonPath();
    assertThat(treatmentAllocation(stored)).isEqualTo(treatmentAllocation(first));
  }

  private String createOpenLabelStudy() {
    String id = unique("open");
    fhir()
        .body(
            """
            {"resourceType":"ResearchStudy","id":"%1$s",
             "extension":[
               {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
                "valueCodeableConcept":{"coding":[
                  {"system":"http://trialfhir.org/fhir/CodeSystem/ctgov-masking","code":"NONE"}]}}],
             "title":"Open-label study %1$s","status":"active",
             "enrollment":[{"reference":"%2$s"}],
             "arm":[{"name":"%3$s"},{"name":"%4$s"}]}
            """
                .formatted(id, CRITERIA_GROUP, EXPERIMENTAL, PLACEBO))
        .put("/ResearchStudy/" + id)
        .then()
        .statusCode(201);
    return id;
  }

  private static String subjectWithAllocation(String study, String patient, String allocation) {
    return """
        {"resourceType":"ResearchSubject","status":"candidate","period":{"start":"%s"},
         "extension":[{"url":"%s","valueReference":{"reference":"%s"}}],
         "study":{"reference":"ResearchStudy/%s"},
         "individual":{"reference":"Patient/%s"}}
        """
        .formatted(DATE, TREATMENT_ALLOCATION, allocation, study, patient);
  }

  // ============================================================================ helpers: data

  /**
   * PUTs an active, randomised (permuted blocks of {@value #BLOCK_SIZE}, this seed), quadruple
   * masked study with the two arms and this target number of subjects, on the seed study's criteria
   * Group; returns its id.
   */
  private String createStudy(int target, String seed) {
    String id = unique("enrol");
    fhir()
        .body(
            """
            {"resourceType":"ResearchStudy","id":"%1$s",
             "extension":[
               {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
                "valueCodeableConcept":{"coding":[
                  {"system":"http://trialfhir.org/fhir/CodeSystem/ctgov-allocation",
                   "code":"RANDOMIZED"}]}},
               {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.studyDesign",
                "valueCodeableConcept":{"coding":[
                  {"system":"http://trialfhir.org/fhir/CodeSystem/ctgov-masking",
                   "code":"QUADRUPLE"}]}},
               {"url":"http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.recruitment",
                "extension":[{"url":"targetNumber","valueUnsignedInt":%2$d}]},
               {"url":"http://trialfhir.org/fhir/StructureDefinition/randomisation",
                "extension":[{"url":"blockSize","valuePositiveInt":%3$d},
                             {"url":"seed","valueString":"%4$s"}]}],
             "title":"Enrolment test study %1$s",
             "status":"active",
             "enrollment":[{"reference":"%5$s"}],
             "arm":[{"name":"%6$s"},{"name":"%7$s"}]}
            """
                .formatted(id, target, BLOCK_SIZE, seed, CRITERIA_GROUP, EXPERIMENTAL, PLACEBO))
        .put("/ResearchStudy/" + id)
        .then()
        .statusCode(201);
    return id;
  }

  /** A subject written directly, dated {@value #DATE}: a late entry, so it says why. */
  private static String researchSubject(String status, String study, String patient) {
    return """
        {"resourceType":"ResearchSubject","status":"%s","period":{"start":"%s"},
         "extension":[{"url":"http://trialfhir.org/fhir/StructureDefinition/late-entry",
                       "valueString":"Test data dated %2$s"}],
         "study":{"reference":"ResearchStudy/%s"},
         "individual":{"reference":"Patient/%s"}}
        """
        .formatted(status, DATE, study, patient);
  }

  /** The eligible child with a research consent for this study instead of NCT06407297. */
  private static PatientFixture eligibleFor(String study) {
    return eligibleChild().set(CONSENT, researchConsent("ResearchStudy/" + study));
  }

  /** A loaded patient: its server id and the server "Type/id" of each fixture slot. */
  private record Loaded(String patientId, Map<String, String> ids) {
    String id(String slot) {
      return Objects.requireNonNull(ids.get(slot), slot);
    }
  }

  private Loaded load(PatientFixture fixture) {
    return load(List.of(fixture)).get(0);
  }

  private List<Loaded> loadEligible(String study, int count) {
    return load(IntStream.range(0, count).mapToObj(i -> eligibleFor(study)).toList());
  }

  /**
   * POSTs the fixtures' records as ONE transaction (their entries one after the other) and captures
   * the server ids from the response, whose entries are in the request's order.
   */
  private List<Loaded> load(List<PatientFixture> fixtures) {
    ArrayNode entries = JSON.createArrayNode();
    for (PatientFixture fixture : fixtures) {
      entries.addAll((ArrayNode) tree(fixture.transaction(unique("enrol"))).path("entry"));
    }
    ObjectNode bundle = JSON.createObjectNode().put("resourceType", "Bundle");
    bundle.put("type", "transaction").set("entry", entries);
    List<String> locations =
        fhir()
            .body(bundle.toString())
            .post("/")
            .then()
            .statusCode(200)
            .body("type", equalTo("transaction-response"))
            .extract()
            .jsonPath()
            .getList("entry.response.location", String.class);
    assertThat(locations).hasSize(entries.size());
    List<Loaded> loaded = new ArrayList<>();
    int next = 0;
    for (PatientFixture fixture : fixtures) {
      String patient = typeAndId(locations.get(next));
      assertThat(patient).startsWith("Patient/");
      Map<String, String> ids = new LinkedHashMap<>();
      for (String slot : fixture.slots()) {
        ids.put(slot, typeAndId(locations.get(++next)));
      }
      next++;
      loaded.add(new Loaded(patient.substring("Patient/".length()), ids));
    }
    return loaded;
  }

  // ============================================================================ helpers: calls

  /**
   * The input of {@code $enroll}; null leaves a parameter out. By default all five manual-review
   * criteria are confirmed (the caller of these tests has every role, investigator too) and no
   * consent is given; the date is always the reference date, a day past since, so every enrolment
   * here is a late entry and gives its reason ({@link EnrolmentDatesIT} tests that rule).
   */
  private record EnrolInput(String patient, String consent, List<String> confirmed) {

    static EnrolInput of(String patientId) {
      return new EnrolInput("Patient/" + patientId, null, MANUAL_REVIEW);
    }

    static EnrolInput withoutPatient() {
      return new EnrolInput(null, null, MANUAL_REVIEW);
    }

    EnrolInput consent(String reference) {
      return new EnrolInput(patient, reference, confirmed);
    }

    EnrolInput confirmed(List<String> criteria) {
      return new EnrolInput(patient, consent, criteria);
    }

    String json() {
      ObjectNode parameters = JSON.createObjectNode().put("resourceType", "Parameters");
      ArrayNode list = parameters.putArray("parameter");
      if (patient != null) {
        list.addObject()
            .put("name", "patient")
            .putObject("valueReference")
            .put("reference", patient);
      }
      if (consent != null) {
        list.addObject()
            .put("name", "consent")
            .putObject("valueReference")
            .put("reference", consent);
      }
      for (String criterion : confirmed) {
        list.addObject().put("name", "confirmed").put("valueString", criterion);
      }
      list.addObject().put("name", "date").put("valueDate", DATE);
      list.addObject()
          .put("name", "lateEntryReason")
          .put("valueString", "Test data: the fixture's record is judged as of " + DATE);
      return parameters.toString();
    }
  }

  private Response enroll(String study, EnrolInput input) {
    return fhir().body(input.json()).post("/ResearchStudy/" + study + "/$enroll");
  }

  private Response enrollRequest(String study, String patientId) {
    return enroll(study, EnrolInput.of(patientId));
  }

  /** Enrols and asserts 200 with an on-study ResearchSubject; returns the subject. */
  private JsonPath enrolled(String study, EnrolInput input) {
    Response response = enroll(study, input);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    JsonPath subject = response.jsonPath();
    assertThat(subject.getString("resourceType")).isEqualTo("ResearchSubject");
    assertThat(subject.getString("status")).isEqualTo("on-study");
    return subject;
  }

  /** Enrols each patient in turn; returns their allocations. */
  private List<Allocation> enrolAll(String study, List<Loaded> patients) {
    List<Allocation> allocations = new ArrayList<>();
    for (Loaded patient : patients) {
      allocations.add(
          allocation(treatmentAllocation(enrolled(study, EnrolInput.of(patient.patientId())))));
    }
    return allocations;
  }

  private void withdraw(String subjectId) {
    fhir()
        .body(
            """
            {"resourceType":"Parameters","parameter":[
              {"name":"reason","valueString":"Family moved away"},
              {"name":"date","valueDate":"%s"}]}
            """
                .formatted(DATE))
        .post("/ResearchSubject/" + subjectId + "/$withdraw")
        .then()
        .statusCode(200)
        .body("status", equalTo("withdrawn"));
  }

  /** An HTTP answer, read completely (for answers collected from other threads). */
  private record Answer(int status, String body) {
    JsonPath json() {
      return JsonPath.from(body);
    }
  }

  private static Answer answer(Response response) {
    return new Answer(response.statusCode(), response.asString());
  }

  /** Runs the calls on as many threads, released together by a latch; answers in call order. */
  private static List<Answer> concurrently(List<Callable<Answer>> calls) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(calls.size());
    CountDownLatch ready = new CountDownLatch(calls.size());
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Answer>> futures = new ArrayList<>();
      for (Callable<Answer> call : calls) {
        futures.add(
            pool.submit(
                () -> {
                  ready.countDown();
                  start.await();
                  return call.call();
                }));
      }
      assertThat(ready.await(30, SECONDS)).as("all threads ready").isTrue();
      start.countDown();
      List<Answer> answers = new ArrayList<>();
      for (Future<Answer> future : futures) {
        answers.add(future.get(120, SECONDS));
      }
      return answers;
    } finally {
      pool.shutdownNow();
    }
  }

  // ============================================================================ helpers: reading

  /** Number of ResearchSubjects of the study, whatever their status. */
  private int subjects(String study) {
    return count("/ResearchSubject", Map.of("study", "ResearchStudy/" + study));
  }

  private int onStudy(String study) {
    return count(
        "/ResearchSubject", Map.of("study", "ResearchStudy/" + study, "status", "on-study"));
  }

  private int subjectsOf(String study, String patientId) {
    return count(
        "/ResearchSubject",
        Map.of("study", "ResearchStudy/" + study, "patient", "Patient/" + patientId));
  }

  private int count(String path, Map<String, String> query) {
    return fhir()
        .queryParams(query)
        .queryParam("_summary", "count")
        .get(path)
        .then()
        .statusCode(200)
        .extract()
        .path("total");
  }

  /** The subject's treatment-allocation reference, "Basic/[id]". */
  private static String treatmentAllocation(JsonPath subject) {
    String reference =
        subject.getString(
            "extension.find { it.url == '" + TREATMENT_ALLOCATION + "' }.valueReference.reference");
    assertThat(reference).as("treatment-allocation of %s", subject.prettify()).isNotNull();
    assertThat(typeAndId(reference)).startsWith("Basic/");
    return typeAndId(reference);
  }

  /** One subject's allocation (extension allocation of a Basic). */
  private record Allocation(
      String patient,
      String arm,
      String stratum,
      int position,
      int block,
      String sequence,
      String study) {}

  /** Reads the allocation Basic, checking its code and security label, and parses it. */
  private Allocation allocation(String reference) {
    JsonNode basic = read(reference);
    assertThat(basic.path("resourceType").asText()).isEqualTo("Basic");
    JsonNode coding = basic.path("code").path("coding").path(0);
    assertThat(coding.path("system").asText()).isEqualTo(ALLOCATION_KIND);
    assertThat(coding.path("code").asText()).isEqualTo("allocation");
    assertThat(securityLabels(basic)).contains(SECURITY_LABEL + "|treatment-allocation");
    JsonNode allocation = extension(basic, ALLOCATION);
    return new Allocation(
        typeAndId(basic.path("subject").path("reference").asText()),
        value(allocation, "arm", "valueString").asText(),
        value(allocation, "stratum", "valueString").asText(),
        intValue(allocation, "position"),
        intValue(allocation, "block"),
        reference(allocation, "sequence"),
        reference(allocation, "study"));
  }

  private static List<Allocation> inPositionOrder(List<Allocation> allocations) {
    return allocations.stream().sorted(comparingInt(Allocation::position)).toList();
  }

  private static List<String> arms(List<Allocation> allocations) {
    return inPositionOrder(allocations).stream().map(Allocation::arm).toList();
  }

  /** A slot of the allocation sequence; {@code subject} is null while the slot is unused. */
  private record Slot(String stratum, int position, int block, String arm, String subject) {}

  /** A study's allocation sequence (extension allocation-sequence of a Basic). */
  private record Sequence(
      String id,
      String algorithm,
      String seed,
      int blockSize,
      List<String> arms,
      List<Slot> slots) {

    Slot slot(int position) {
      List<Slot> found = slots.stream().filter(s -> s.position() == position).toList();
      assertThat(found).as("slot at position %d of %s", position, slots).hasSize(1);
      return found.get(0);
    }

    List<Slot> usedSlots() {
      return slots.stream().filter(s -> s.subject() != null).toList();
    }
  }

  /** Finds the study's sequence Basic by code and subject, checks its label, and parses it. */
  private Sequence sequence(String study) {
    JsonNode bundle =
        tree(
            fhir()
                .queryParam("code", ALLOCATION_KIND + "|allocation-sequence")
                .queryParam("subject", "ResearchStudy/" + study)
                .get("/Basic")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    assertThat(bundle.path("entry")).as("allocation-sequence of %s", study).hasSize(1);
    JsonNode basic = bundle.path("entry").path(0).path("resource");
    assertThat(securityLabels(basic)).contains(SECURITY_LABEL + "|treatment-allocation");
    JsonNode sequence = extension(basic, ALLOCATION_SEQUENCE);
    List<Slot> slots = new ArrayList<>();
    for (JsonNode slot : extensions(sequence, "slot")) {
      List<JsonNode> subject = extensions(slot, "subject");
      slots.add(
          new Slot(
              value(slot, "stratum", "valueString").asText(),
              intValue(slot, "position"),
              intValue(slot, "block"),
              value(slot, "arm", "valueString").asText(),
              subject.isEmpty()
                  ? null
                  : typeAndId(subject.get(0).path("valueReference").path("reference").asText())));
    }
    return new Sequence(
        basic.path("id").asText(),
        value(sequence, "algorithm", "valueString").asText(),
        value(sequence, "seed", "valueString").asText(),
        value(sequence, "blockSize", "valuePositiveInt").asInt(),
        extensions(sequence, "arm").stream().map(e -> e.path("valueString").asText()).toList(),
        slots.stream().sorted(comparingInt(Slot::position)).toList());
  }

  /**
   * The allocations of the study's first subjects are the first slots of its stored sequence, and
   * every stored slot is what the documented algorithm computes from the seed.
   */
  private void assertMatchesStoredAndRecomputedSequence(
      String study, String seed, List<Allocation> allocations) {
    Sequence sequence = sequence(study);
    assertThat(sequence.seed()).isEqualTo(seed);
    assertThat(sequence.blockSize()).isEqualTo(BLOCK_SIZE);
    List<String> allocated = arms(allocations);
    for (Allocation a : allocations) {
      assertThat(a.sequence()).isEqualTo("Basic/" + sequence.id());
      assertThat(a.study()).isEqualTo("ResearchStudy/" + study);
    }

    List<Slot> used =
        sequence.slots().subList(0, Math.min(allocated.size(), sequence.slots().size()));
    assertThat(used)
        .extracting(Slot::position)
        .as("used slots of %s", study)
        .containsExactlyElementsOf(range(1, allocated.size()));
    assertThat(used).extracting(Slot::arm).containsExactlyElementsOf(allocated);
    assertThat(used).allMatch(slot -> slot.subject() != null, "used by a subject");
    assertThat(sequence.usedSlots()).hasSize(allocated.size());

    int length = sequence.slots().get(sequence.slots().size() - 1).position();
    List<String> expected = permutedBlocks(seed, "all", length);
    for (Slot slot : sequence.slots()) {
      assertThat(slot.stratum()).isEqualTo("all");
      assertThat(slot.block()).isEqualTo((slot.position() - 1) / BLOCK_SIZE + 1);
      assertThat(slot.arm())
          .as("arm at position %d; recomputed sequence %s", slot.position(), expected)
          .isEqualTo(expected.get(slot.position() - 1));
    }
    assertThat(allocated).isEqualTo(expected.subList(0, allocated.size()));
  }

  /**
   * The documented permuted-block algorithm: a {@link Random} seeded with the first 8 bytes of
   * SHA-256(seed + "|" + stratum); each block holds each arm, in the study's order, ratio ×
   * (blockSize / sum of ratios) times (ratio 1 here, so twice), shuffled by Fisher–Yates from the
   * last index down to 1; the blocks draw from the same Random one after the other.
   */
  private static List<String> permutedBlocks(String seed, String stratum, int length) {
    Random random = new Random(ByteBuffer.wrap(sha256(seed + "|" + stratum)).getLong());
    int perArm = BLOCK_SIZE / ARMS.size();
    List<String> sequence = new ArrayList<>();
    while (sequence.size() < length) {
      List<String> block = new ArrayList<>();
      for (String arm : ARMS) {
        block.addAll(Collections.nCopies(perArm, arm));
      }
      for (int i = block.size() - 1; i >= 1; i--) {
        Collections.swap(block, i, random.nextInt(i + 1));
      }
      sequence.addAll(block);
    }
    return sequence.subList(0, length);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The one Provenance that targets the subject. */
  private JsonNode provenance(String subjectId) {
    JsonNode bundle =
        tree(
            fhir()
                .queryParam("target", "ResearchSubject/" + subjectId)
                .get("/Provenance")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    assertThat(bundle.path("entry")).as("Provenance of ResearchSubject/%s", subjectId).hasSize(1);
    return bundle.path("entry").path(0).path("resource");
  }

  private static List<String> confirmedCriteria(JsonNode provenance) {
    return extensions(provenance, CONFIRMED_CRITERION).stream()
        .map(e -> value(e, "criterion", "valueString").asText())
        .toList();
  }

  private JsonNode read(String typeAndId) {
    return tree(fhir().get("/" + typeAndId).then().statusCode(200).extract().asString());
  }

  private static List<String> securityLabels(JsonNode resource) {
    List<String> labels = new ArrayList<>();
    resource
        .path("meta")
        .path("security")
        .forEach(c -> labels.add(c.path("system").asText() + "|" + c.path("code").asText()));
    return labels;
  }

  private static List<JsonNode> extensions(JsonNode element, String url) {
    List<JsonNode> found = new ArrayList<>();
    element
        .path("extension")
        .forEach(
            e -> {
              if (url.equals(e.path("url").asText())) {
                found.add(e);
              }
            });
    return found;
  }

  private static JsonNode extension(JsonNode element, String url) {
    List<JsonNode> found = extensions(element, url);
    assertThat(found).as("extension %s in %s", url, element).hasSize(1);
    return found.get(0);
  }

  /** The value of the one sub-extension {@code url}, which must be of type {@code valueKey}. */
  private static JsonNode value(JsonNode extension, String url, String valueKey) {
    JsonNode value = extension(extension, url).path(valueKey);
    assertThat(value.isMissingNode()).as("%s.%s in %s", url, valueKey, extension).isFalse();
    return value;
  }

  private static int intValue(JsonNode extension, String url) {
    return value(extension, url, "valueInteger").asInt();
  }

  private static String reference(JsonNode extension, String url) {
    return typeAndId(value(extension, url, "valueReference").path("reference").asText());
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Asserts the status and an OperationOutcome body whose text (diagnostics or details) names every
   * one of {@code named}; returns that text.
   */
  private static String assertRefused(Response response, int status, String... named) {
    String body = response.asString();
    assertThat(response.statusCode()).as(body).isEqualTo(status);
    String text = outcomeText(body);
    if (named.length > 0) {
      assertThat(text).as("OperationOutcome should name what was wrong").contains(named);
    }
    return text;
  }

  /** Asserts an OperationOutcome and returns its issues' diagnostics and details text. */
  private static String outcomeText(String body) {
    JsonPath outcome = JsonPath.from(body);
    assertThat(outcome.getString("resourceType")).as(body).isEqualTo("OperationOutcome");
    return Stream.concat(
            list(outcome, "issue.diagnostics").stream(),
            list(outcome, "issue.details.text").stream())
        .filter(Objects::nonNull)
        .map(Object::toString)
        .collect(Collectors.joining(" "));
  }

  private static List<Object> list(JsonPath json, String path) {
    List<Object> values = json.getList(path);
    return values == null ? List.of() : values;
  }

  private static List<Integer> range(int first, int last) {
    return IntStream.rangeClosed(first, last).boxed().toList();
  }

  /**
   * "Type/id" of a reference or a response location, whatever its form: relative or absolute, with
   * or without {@code /_history/n}.
   */
  private static String typeAndId(String reference) {
    String withoutVersion = reference.replaceFirst("/_history/.*$", "");
    String[] segments = withoutVersion.split("/");
    return segments.length < 2
        ? withoutVersion
        : segments[segments.length - 2] + "/" + segments[segments.length - 1];
  }
}
