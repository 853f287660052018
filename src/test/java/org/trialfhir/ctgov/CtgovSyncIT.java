package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * Fetching by NCT id and the registry sync, against a ClinicalTrials.gov stand-in on loopback
 * ({@link RegistryStandIn}): this context may ask the registry; the shared one may not ({@link
 * CtgovFetchDisabledIT}).
 */
@Tag("own-context")
class CtgovSyncIT extends IntegrationTestBase {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final RegistryStandIn REGISTRY = new RegistryStandIn();
  private static final String ORIGIN =
      "http://trialfhir.org/fhir/StructureDefinition/criterion-origin";
  private static final String MALIGNANCY = "History of malignancy";
  private static final String PREGNANT =
      "Pregnant or lactating, or of child-bearing potential not using an effective method of"
          + " contraception";
  private static final String NASAL =
      "Any pathology of the nasal passages that would preclude safe application of the nasal spray";
  private static final String REGISTRY_SCOPES =
      "system/ResearchStudy.cruds system/Group.cruds system/Organization.cruds"
          + " system/Location.cruds";

  @DynamicPropertySource
  static void registry(DynamicPropertyRegistry registry) {
    registry.add("trialfhir.ctgov.fetch-enabled", () -> "true");
    registry.add("trialfhir.ctgov.api-base-url", REGISTRY::base);
    registry.add("trialfhir.ctgov.timeout", () -> "2s");
    // Scheduled, but not due during the tests: they run the scheduled work themselves.
    registry.add("trialfhir.ctgov.sync.enabled", () -> "true");
    registry.add("trialfhir.ctgov.sync.interval", () -> "24h");
  }

  @Autowired CtgovSyncSchedule schedule;

  @AfterAll
  static void stopRegistry() {
    REGISTRY.stop();
  }

  @Test
  void anNctIdIsFetchedFromTheRegistryImportedAndFollowed() {
    String nct = registryHas("NCT05742243.json", "2024-04-10");

    List<Result> results = importIds(200, nct);

    assertThat(results)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.nctId()).isEqualTo(nct);
              assertThat(r.status()).isEqualTo("created");
              assertThat(r.study()).isEqualTo("ResearchStudy/" + nct.toLowerCase());
            });
    assertThat(REGISTRY.requests()).contains("/api/v2/studies/" + nct + "?format=json");
    ResearchStudy study = read(ResearchStudy.class, "ResearchStudy/" + nct.toLowerCase());
    assertThat(CtgovSyncMarks.followed(study)).isTrue();
    assertThat(study.getExtensionByUrl(CtgovSyncMarks.LAST_UPDATE).getValue().primitiveValue())
        .isEqualTo("2024-04-10");
    Group group = read(Group.class, study.getEnrollmentFirstRep().getReference());
    assertThat(descriptions(group)).contains(MALIGNANCY, NASAL);
  }

  @Test
  void badRegistryAnswersAreReportedPerRecordAndWriteNothing() {
    String good = registryHas("NCT02916680.json", "2024-04-10");
    String unknown = newNct();
    String failing = newNct();
    String slow = newNct();
    String notJson = newNct();
    REGISTRY.fail(failing, RegistryStandIn.Failure.SERVER_ERROR);
    REGISTRY.fail(slow, RegistryStandIn.Failure.SLOW);
    REGISTRY.fail(notJson, RegistryStandIn.Failure.NOT_JSON);

    List<Result> results = importIds(200, good, unknown, failing, slow, notJson, "NCT123");

    assertThat(results)
        .extracting(Result::status)
        .containsExactly("created", "error", "error", "error", "error", "error");
    assertThat(results.subList(1, 6))
        .extracting(r -> r.outcome().getIssueFirstRep().getCode().toCode())
        .containsExactly("not-found", "transient", "timeout", "invalid", "invalid");
    assertThat(results.get(1).outcome().getIssueFirstRep().getDiagnostics())
        .contains(unknown)
        .contains("404");
    for (String nct : List.of(unknown, failing, slow, notJson)) {
      assertThat(studiesWithNct(nct)).as(nct + " left nothing behind").isZero();
    }

    // Nothing could be imported: the request fails as a whole, with every record's problem.
    Response none = postImport(unknown, failing);
    assertThat(none.statusCode()).as(none.asString()).isEqualTo(400);
    OperationOutcome outcome =
        FHIR.newJsonParser().parseResource(OperationOutcome.class, none.asString());
    assertThat(outcome.getIssue()).hasSize(2);
  }

  @Test
  void theSyncUpdatesOnlyChangedFollowedStudiesAndKeepsOrFlagsCuratedCriteria() {
    String same = registryHas("NCT02916680.json", "2024-04-10");
    String changing = registryHas("NCT05742243.json", "2024-04-10");
    importIds(200, same, changing);
    String sameStudy = "ResearchStudy/" + same.toLowerCase();
    String changingStudy = "ResearchStudy/" + changing.toLowerCase();
    String groupRef =
        read(ResearchStudy.class, changingStudy).getEnrollmentFirstRep().getReference();
    // A coordinator confirms two machine-derived criteria ($curate-criterion, with Provenance).
    Group held = read(Group.class, groupRef);
    curateConfirm(changingStudy, byText(held, MALIGNANCY).getId());
    curateConfirm(changingStudy, byText(held, PREGNANT).getId());
    held = read(Group.class, groupRef);
    Map<String, String> idsBefore = idsByText(held);
    String sameVersion = read(ResearchStudy.class, sameStudy).getMeta().getVersionId();
    String sameGroupVersion =
        read(
                Group.class,
                read(ResearchStudy.class, sameStudy).getEnrollmentFirstRep().getReference())
            .getMeta()
            .getVersionId();
    String changingVersion = read(ResearchStudy.class, changingStudy).getMeta().getVersionId();

    // The sponsor posts an update: a new first exclusion line, the pregnancy line reworded.
    ObjectNode update = RegistryStandIn.sample("NCT05742243.json", changing);
    RegistryStandIn.lastUpdate(update, "2024-09-01");
    RegistryStandIn.criteria(
        update,
        RegistryStandIn.criteria(update)
            .replace(
                "Exclusion Criteria:\n\n",
                "Exclusion Criteria:\n\n* Previous treatment with abatacept\n")
            .replace(PREGNANT, "Pregnant or breastfeeding"));
    REGISTRY.put(update);
    REGISTRY.clearRequests();

    Parameters answer = sync(TestTokens.admin(), 200);

    List<Result> mine =
        results(answer).stream().filter(r -> List.of(same, changing).contains(r.nctId())).toList();
    assertThat(mine)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.nctId()).isEqualTo(changing);
              assertThat(r.status()).isEqualTo("updated");
              assertThat(r.outcome().getIssue())
                  .anySatisfy(i -> assertThat(i.getDiagnostics()).contains("flagged for review"));
            });
    // One search by ids and last-update date; no record was fetched one by one.
    assertThat(REGISTRY.requests())
        .anySatisfy(
            q ->
                assertThat(q)
                    .startsWith("/api/v2/studies?")
                    .contains(same)
                    .contains(changing)
                    .containsPattern(
                        "AREA\\[LastUpdatePostDate\\]RANGE\\[\\d{4}-\\d{2}-\\d{2},MAX\\]"))
        .noneSatisfy(q -> assertThat(q).startsWith("/api/v2/studies/"));

    assertThat(read(ResearchStudy.class, sameStudy).getMeta().getVersionId())
        .as("the unchanged record's study is untouched")
        .isEqualTo(sameVersion);
    assertThat(
            read(
                    Group.class,
                    read(ResearchStudy.class, sameStudy).getEnrollmentFirstRep().getReference())
                .getMeta()
                .getVersionId())
        .isEqualTo(sameGroupVersion);

    ResearchStudy updated = read(ResearchStudy.class, changingStudy);
    assertThat(updated.getMeta().getVersionId()).isNotEqualTo(changingVersion);
    assertThat(updated.getExtensionByUrl(CtgovSyncMarks.LAST_UPDATE).getValue().primitiveValue())
        .isEqualTo("2024-09-01");
    assertThat(history(changingStudy)).as("history kept").isGreaterThanOrEqualTo(2);
    Group after = read(Group.class, groupRef);
    assertThat(after.getMeta().getVersionId()).isNotEqualTo(held.getMeta().getVersionId());

    GroupCharacteristicComponent malignancy = byText(after, MALIGNANCY);
    assertThat(malignancy.getId()).isEqualTo(idsBefore.get(MALIGNANCY));
    assertThat(origin(malignancy)).as("confirmed, text unchanged: kept").isEqualTo("confirmed");
    assertThat(malignancy.equalsDeep(byText(held, MALIGNANCY))).isTrue();

    GroupCharacteristicComponent pregnancy = byText(after, "Pregnant or breastfeeding");
    assertThat(pregnancy.getId()).isEqualTo(idsBefore.get(PREGNANT));
    assertThat(origin(pregnancy)).as("text changed: flagged").isEqualTo("machine-derived");
    Extension change = pregnancy.getExtensionByUrl(CtgovSyncCriteria.CHANGE);
    assertThat(change.getExtensionByUrl("previous-description").getValue().primitiveValue())
        .isEqualTo(PREGNANT);
    assertThat(change.getExtensionByUrl("previous-origin").getValue().primitiveValue())
        .isEqualTo("confirmed");

    assertThat(byText(after, NASAL).getId())
        .as("unchanged text keeps its id")
        .isEqualTo(idsBefore.get(NASAL));
    assertThat(idsBefore.values())
        .doesNotContain(byText(after, "Previous treatment with abatacept").getId());
    assertThat(after.getCharacteristic().stream().map(GroupCharacteristicComponent::getId))
        .doesNotHaveDuplicates();

    // Nothing changed since: the next sync imports neither.
    REGISTRY.clearRequests();
    assertThat(results(sync(TestTokens.admin(), 200)))
        .extracting(Result::nctId)
        .doesNotContain(same, changing);
    assertThat(read(Group.class, groupRef).getMeta().getVersionId())
        .isEqualTo(after.getMeta().getVersionId());
  }

  @Test
  void onlyFollowedStudiesAreSyncedAndFollowingIsSetPerStudy() {
    String nct = registryHas("NCT02916680.json", "2024-04-10");
    // Sent as a record, not fetched: not followed.
    Response sent =
        fhir().body(parameters("record", registryRecord(nct))).post("/ResearchStudy/$import-ctgov");
    assertThat(sent.statusCode()).as(sent.asString()).isEqualTo(200);
    String studyRef = "ResearchStudy/" + nct.toLowerCase();
    ObjectNode update = RegistryStandIn.sample("NCT02916680.json", nct);
    RegistryStandIn.lastUpdate(update, "2024-10-01");
    REGISTRY.put(update);

    REGISTRY.clearRequests();
    assertThat(results(sync(TestTokens.admin(), 200)))
        .extracting(Result::nctId)
        .doesNotContain(nct);
    assertThat(REGISTRY.requests()).noneSatisfy(q -> assertThat(q).contains(nct));

    // A person follows it: an ordinary update of the study.
    ResearchStudy study = read(ResearchStudy.class, studyRef);
    assertThat(CtgovSyncMarks.followed(study)).isFalse();
    study.addExtension(CtgovSyncMarks.FOLLOW, new BooleanType(true));
    putStudy(study);

    assertThat(results(sync(TestTokens.admin(), 200)))
        .filteredOn(r -> nct.equals(r.nctId()))
        .singleElement()
        .extracting(Result::status)
        .isEqualTo("updated");
    assertThat(CtgovSyncMarks.followed(read(ResearchStudy.class, studyRef)))
        .as("the sync's import keeps it followed")
        .isTrue();

    // And unfollows it: the registry's next update is not asked for.
    study = read(ResearchStudy.class, studyRef);
    study.getExtensionByUrl(CtgovSyncMarks.FOLLOW).setValue(new BooleanType(false));
    putStudy(study);
    ObjectNode later = RegistryStandIn.sample("NCT02916680.json", nct);
    RegistryStandIn.lastUpdate(later, "2024-12-01");
    REGISTRY.put(later);
    REGISTRY.clearRequests();
    assertThat(results(sync(TestTokens.admin(), 200)))
        .extracting(Result::nctId)
        .doesNotContain(nct);
    assertThat(REGISTRY.requests()).noneSatisfy(q -> assertThat(q).contains(nct));
  }

  private void putStudy(ResearchStudy study) {
    Response response =
        fhir()
            .body(FHIR.newJsonParser().encodeResourceToString(study))
            .put("/ResearchStudy/" + study.getIdElement().getIdPart());
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
  }

  @Test
  void aRegistryThatCannotBeAskedSyncsNothingAndSaysSo() {
    String nct = registryHas("NCT02916680.json", "2024-04-10");
    importIds(200, nct);
    ObjectNode update = RegistryStandIn.sample("NCT02916680.json", nct);
    RegistryStandIn.lastUpdate(update, "2024-11-01");
    REGISTRY.put(update);
    String version =
        read(ResearchStudy.class, "ResearchStudy/" + nct.toLowerCase()).getMeta().getVersionId();
    REGISTRY.failSearches(true);
    try {
      Parameters answer = sync(TestTokens.admin(), 200);
      assertThat(results(answer)).isEmpty();
      OperationOutcome problems =
          (OperationOutcome)
              answer.getParameter().stream()
                  .filter(p -> p.getName().equals("outcome"))
                  .findFirst()
                  .orElseThrow()
                  .getResource();
      assertThat(problems.getIssueFirstRep().getCode().toCode()).isEqualTo("transient");
      assertThat(problems.getIssueFirstRep().getDiagnostics()).contains("503");
    } finally {
      REGISTRY.failSearches(false);
    }
    assertThat(
            read(ResearchStudy.class, "ResearchStudy/" + nct.toLowerCase())
                .getMeta()
                .getVersionId())
        .isEqualTo(version);
  }

  @Test
  void theSyncOperationIsTheRegistryTeamsAndActsAsItsCaller() {
    String registry = TestTokens.token(REGISTRY_SCOPES, List.of("registry"), null);
    sync(registry, 200);
    String coordinator = TestTokens.token(REGISTRY_SCOPES, List.of("coordinator"), null);
    sync(coordinator, 403);
    // A registry role whose scopes do not allow the writes may not run it either.
    sync(TestTokens.token("system/ResearchStudy.rs", List.of("registry"), null), 403);
  }

  @Test
  void onlyTheRegistryRoleChoosesWhatTheServerSyncs() {
    String coordinator = TestTokens.token(REGISTRY_SCOPES, List.of("coordinator"), null);
    String registry = TestTokens.token(REGISTRY_SCOPES, List.of("registry"), null);
    String followedNct = registryHas("NCT02916680.json", "2024-04-10");
    importIds(200, followedNct);
    String followedRef = "ResearchStudy/" + followedNct.toLowerCase();

    // An ordinary edit of a followed study is the study team's.
    ResearchStudy study = read(ResearchStudy.class, followedRef);
    study.setDescription("Local note: site initiation planned");
    assertThat(putStudyAs(coordinator, study).statusCode()).isEqualTo(200);

    // Pointing a followed study at another registry record is not.
    study = read(ResearchStudy.class, followedRef);
    nctIdentifier(study).setValue(newNct());
    Response renamed = putStudyAs(coordinator, study);
    assertThat(renamed.statusCode()).as(renamed.asString()).isEqualTo(403);
    assertThat(renamed.asString()).contains("registry role").contains("NCT identifier");
    // Nor is unfollowing it.
    study = read(ResearchStudy.class, followedRef);
    study.getExtensionByUrl(CtgovSyncMarks.FOLLOW).setValue(new BooleanType(false));
    assertThat(putStudyAs(coordinator, study).statusCode()).isEqualTo(403);
    assertThat(CtgovSyncMarks.followed(read(ResearchStudy.class, followedRef))).isTrue();
    assertThat(CtgovSyncMarks.nctId(read(ResearchStudy.class, followedRef))).isEqualTo(followedNct);

    // Nor following a study, by update or by create.
    String sentNct = registryHas("NCT02916680.json", "2024-04-10");
    Response sent =
        fhir()
            .body(parameters("record", registryRecord(sentNct)))
            .post("/ResearchStudy/$import-ctgov");
    assertThat(sent.statusCode()).as(sent.asString()).isEqualTo(200);
    String sentRef = "ResearchStudy/" + sentNct.toLowerCase();
    ResearchStudy unfollowed = read(ResearchStudy.class, sentRef);
    unfollowed.addExtension(CtgovSyncMarks.FOLLOW, new BooleanType(true));
    assertThat(putStudyAs(coordinator, unfollowed).statusCode()).isEqualTo(403);
    ResearchStudy fresh = new ResearchStudy();
    fresh.setStatus(ResearchStudy.ResearchStudyStatus.ACTIVE);
    fresh.addIdentifier().setSystem(CtgovStudyMapper.NCT_SYSTEM).setValue(newNct());
    fresh.addExtension(CtgovSyncMarks.FOLLOW, new BooleanType(true));
    Response created =
        fhirAs(coordinator)
            .body(FHIR.newJsonParser().encodeResourceToString(fresh))
            .post("/ResearchStudy");
    assertThat(created.statusCode()).as(created.asString()).isEqualTo(403);
    assertThat(CtgovSyncMarks.followed(read(ResearchStudy.class, sentRef))).isFalse();
    // Nor a second, unfollowed study under a followed study's NCT id, which the sync would then
    // find and write over as the server.
    ResearchStudy twin = new ResearchStudy();
    twin.setStatus(ResearchStudy.ResearchStudyStatus.ACTIVE);
    twin.addIdentifier().setSystem(CtgovStudyMapper.NCT_SYSTEM).setValue(followedNct);
    Response twinCreated =
        fhirAs(coordinator)
            .body(FHIR.newJsonParser().encodeResourceToString(twin))
            .post("/ResearchStudy");
    assertThat(twinCreated.statusCode()).as(twinCreated.asString()).isEqualTo(403);
    assertThat(twinCreated.asString()).contains(followedRef);
    assertThat(studiesWithNct(followedNct)).isEqualTo(1);

    // The registry role may.
    assertThat(putStudyAs(registry, unfollowed).statusCode()).isEqualTo(200);
    assertThat(CtgovSyncMarks.followed(read(ResearchStudy.class, sentRef))).isTrue();
  }

  @Test
  void aSecondSyncIsRefusedWhileOneRuns() throws Exception {
    importIds(200, registryHas("NCT02916680.json", "2024-04-10"));
    REGISTRY.holdSearches();
    Thread scheduled = new Thread(schedule::runOnce);
    try {
      scheduled.start();
      assertThat(REGISTRY.searchArrives(Duration.ofSeconds(5))).as("the sync is running").isTrue();
      long started = System.nanoTime();
      Response second =
          fhir().body("{\"resourceType\":\"Parameters\"}").post("/ResearchStudy/$sync-ctgov");
      assertThat(second.statusCode()).as(second.asString()).isEqualTo(409);
      assertThat(second.asString()).contains("already running");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    } finally {
      REGISTRY.releaseSearches();
      scheduled.join(10_000);
    }
    sync(TestTokens.admin(), 200);
  }

  @Test
  void tooManyNctIdsInOneImportAreRefused() {
    String[] ids = new String[51];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = newNct();
    }
    REGISTRY.clearRequests();
    Response response = postImport(ids);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(400);
    assertThat(response.asString()).contains("At most 50 'nctId's").contains("51 were given");
    assertThat(REGISTRY.requests()).as("the registry was not asked").isEmpty();
  }

  @Test
  void theScheduledRunSyncsAsTheServerItself() {
    assertThat(schedule.isRunning()).as("scheduled at start-up").isTrue();
    String nct = registryHas("NCT05742243.json", "2024-04-10");
    importIds(200, nct);
    String studyRef = "ResearchStudy/" + nct.toLowerCase();
    String version = read(ResearchStudy.class, studyRef).getMeta().getVersionId();
    ObjectNode update = RegistryStandIn.sample("NCT05742243.json", nct);
    RegistryStandIn.lastUpdate(update, "2025-01-15");
    ((ObjectNode) update.path("protocolSection").path("statusModule"))
        .put("overallStatus", "COMPLETED");
    REGISTRY.put(update);

    String groupRef = read(ResearchStudy.class, studyRef).getEnrollmentFirstRep().getReference();
    String groupVersion = read(Group.class, groupRef).getMeta().getVersionId();
    // The sponsor also rewords the criteria: the Group changes too.
    RegistryStandIn.criteria(
        update, RegistryStandIn.criteria(update).replace(MALIGNANCY, "Any history of malignancy"));
    REGISTRY.put(update);

    schedule.runOnce();

    ResearchStudy after = read(ResearchStudy.class, studyRef);
    assertThat(after.getMeta().getVersionId()).isNotEqualTo(version);
    assertThat(after.getStatus()).isEqualTo(ResearchStudy.ResearchStudyStatus.COMPLETED);
    assertThat(after.getExtensionByUrl(CtgovSyncMarks.LAST_UPDATE).getValue().primitiveValue())
        .isEqualTo("2025-01-15");
    String groupAfter = read(Group.class, groupRef).getMeta().getVersionId();
    assertThat(groupAfter).isNotEqualTo(groupVersion);

    // No request records this change: a Provenance does, naming the server and the record.
    List<Provenance> provenances = provenancesFor(studyRef);
    assertThat(provenances).singleElement();
    Provenance provenance = provenances.get(0);
    assertThat(provenance.getActivity().getCodingFirstRep().getCode()).isEqualTo("registry-sync");
    assertThat(provenance.getTarget())
        .extracting(Reference::getReference)
        .containsExactlyInAnyOrder(
            studyRef + "/_history/" + after.getMeta().getVersionId(),
            groupRef + "/_history/" + groupAfter);
    assertThat(provenance.getEntity())
        .extracting(e -> e.getWhat().getReference())
        .contains(studyRef + "/_history/" + version, groupRef + "/_history/" + groupVersion);
    assertThat(provenance.getEntity())
        .anySatisfy(
            e -> {
              assertThat(e.getRole()).isEqualTo(Provenance.ProvenanceEntityRole.SOURCE);
              assertThat(e.getWhat().getIdentifier().getValue()).isEqualTo(nct);
              assertThat(e.getWhat().getDisplay()).contains("2025-01-15");
            });
    assertThat(provenance.getAgentFirstRep().getWho().getDisplay()).contains("registry sync");

    // A run that changes nothing records nothing.
    schedule.runOnce();
    assertThat(provenancesFor(studyRef)).hasSize(1);
  }

  /** The Provenances naming any version of this resource as a target. */
  private List<Provenance> provenancesFor(String reference) {
    Bundle found =
        FHIR.newJsonParser()
            .parseResource(
                Bundle.class, fhir().queryParam("_count", "200").get("/Provenance").asString());
    return found.getEntry().stream()
        .map(e -> (Provenance) e.getResource())
        .filter(
            p ->
                p.getTarget().stream()
                    .anyMatch(t -> t.getReference().startsWith(reference + "/_history/")))
        .toList();
  }

  private static org.hl7.fhir.r4.model.Identifier nctIdentifier(ResearchStudy study) {
    return study.getIdentifier().stream()
        .filter(i -> CtgovStudyMapper.NCT_SYSTEM.equals(i.getSystem()))
        .findFirst()
        .orElseThrow();
  }

  private Response putStudyAs(String token, ResearchStudy study) {
    return fhirAs(token)
        .body(FHIR.newJsonParser().encodeResourceToString(study))
        .put("/ResearchStudy/" + study.getIdElement().getIdPart());
  }

  // ===================================================================== helpers

  record Result(String nctId, String study, String status, OperationOutcome outcome) {}

  private static String newNct() {
    return "NCT9" + String.format("%07d", ThreadLocalRandom.current().nextInt(10_000_000));
  }

  /** Puts a sample record under a new NCT id into the stand-in registry. */
  private static String registryHas(String sample, String lastUpdate) {
    String nct = newNct();
    ObjectNode record = RegistryStandIn.sample(sample, nct);
    RegistryStandIn.lastUpdate(record, lastUpdate);
    REGISTRY.put(record);
    return nct;
  }

  private static String registryRecord(String nct) {
    ObjectNode record = RegistryStandIn.sample("NCT02916680.json", nct);
    RegistryStandIn.lastUpdate(record, "2024-04-10");
    return record.toString();
  }

  private static String parameters(String name, String... values) {
    Parameters in = new Parameters();
    for (String value : values) {
      in.addParameter().setName(name).setValue(new StringType(value));
    }
    return FHIR.newJsonParser().encodeResourceToString(in);
  }

  private Response postImport(String... nctIds) {
    return fhir()
        .contentType(FHIR_JSON + "; charset=UTF-8")
        .body(parameters("nctId", nctIds).getBytes(StandardCharsets.UTF_8))
        .post("/ResearchStudy/$import-ctgov");
  }

  private List<Result> importIds(int status, String... nctIds) {
    Response response = postImport(nctIds);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
    return results(FHIR.newJsonParser().parseResource(Parameters.class, response.asString()));
  }

  private Parameters sync(String token, int status) {
    Response response =
        fhirAs(token).body("{\"resourceType\":\"Parameters\"}").post("/ResearchStudy/$sync-ctgov");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
    return status == 200
        ? FHIR.newJsonParser().parseResource(Parameters.class, response.asString())
        : null;
  }

  private static List<Result> results(Parameters out) {
    List<Result> results = new ArrayList<>();
    for (ParametersParameterComponent result : out.getParameter()) {
      if (!result.getName().equals("result")) {
        continue;
      }
      String nctId = null;
      String study = null;
      String status = null;
      OperationOutcome outcome = new OperationOutcome();
      for (ParametersParameterComponent part : result.getPart()) {
        switch (part.getName()) {
          case "nctId" -> nctId = part.getValue().primitiveValue();
          case "study" ->
              study = ((org.hl7.fhir.r4.model.Reference) part.getValue()).getReference();
          case "status" -> status = part.getValue().primitiveValue();
          case "outcome" -> outcome = (OperationOutcome) part.getResource();
          default -> throw new AssertionError("unexpected part " + part.getName());
        }
      }
      results.add(new Result(nctId, study, status, outcome));
    }
    return results;
  }

  private <T extends IBaseResource> T read(Class<T> type, String reference) {
    Response response = fhir().get("/" + reference);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    return FHIR.newJsonParser().parseResource(type, response.asString());
  }

  private int studiesWithNct(String nct) {
    Bundle found =
        FHIR.newJsonParser()
            .parseResource(
                Bundle.class,
                fhir()
                    .queryParam("identifier", CtgovStudyMapper.NCT_SYSTEM + "|" + nct)
                    .get("/ResearchStudy")
                    .asString());
    return found.getEntry().size();
  }

  private int history(String reference) {
    return FHIR.newJsonParser()
        .parseResource(Bundle.class, fhir().get("/" + reference + "/_history").asString())
        .getEntry()
        .size();
  }

  private void curateConfirm(String study, String criterion) {
    Response response =
        fhir()
            .body(
                """
                {"resourceType":"Parameters","parameter":[
                  {"name":"criterion","valueString":"%s"},{"name":"action","valueCode":"confirm"}]}
                """
                    .formatted(criterion))
            .post("/" + study + "/$curate-criterion");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
  }

  private static GroupCharacteristicComponent byText(Group group, String text) {
    return group.getCharacteristic().stream()
        .filter(c -> text.equals(CtgovSyncCriteria.description(c)))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no criterion '" + text + "' in " + descriptions(group)));
  }

  private static String origin(GroupCharacteristicComponent c) {
    return c.getExtensionByUrl(ORIGIN).getValue().primitiveValue();
  }

  private static List<String> descriptions(Group group) {
    return group.getCharacteristic().stream().map(CtgovSyncCriteria::description).toList();
  }

  private static Map<String, String> idsByText(Group group) {
    return group.getCharacteristic().stream()
        .collect(
            Collectors.toMap(
                CtgovSyncCriteria::description, GroupCharacteristicComponent::getId, (a, b) -> a));
  }
}
