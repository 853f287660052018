package org.trialfhir.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.response.Response;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * {@code $screen} with a proposed eligibility Group: the funnel of an edit before it is saved. The
 * study's own criterion is a machine reading (HbA1c below 9 %), which never excludes on its own;
 * the proposal is the coordinator's edit (below 10 %, authored), which does. Nothing is stored.
 */
class ScreenPreviewIT extends IntegrationTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ORIGIN =
      "http://trialfhir.org/fhir/StructureDefinition/criterion-origin";

  @Test
  void aProposedGroupIsScreenedInPlaceOfTheStudysAndNothingIsStored() throws Exception {
    String[] study = machineReadHbA1cStudy();
    String group = population("8", "9.5", "11");
    JsonNode stored = groupJson(study[1]);
    int groupsBefore = groupCount();

    Map<String, Integer> current = funnel(awaitReport(start(study[0], group, null)), "inc-hba1c");
    assertThat(current).containsEntry("pass", 1).containsEntry("fail", 0);
    assertThat(current).containsEntry("manual-review", 2);

    ObjectNode proposed = stored.deepCopy();
    proposed.remove("meta");
    ObjectNode criterion = (ObjectNode) proposed.path("characteristic").get(0);
    ((ObjectNode) criterion.path("valueQuantity")).put("value", 10);
    for (JsonNode extension : criterion.path("extension")) {
      if (ORIGIN.equals(extension.path("url").asText())) {
        ((ObjectNode) extension).put("valueCode", "authored");
      }
    }
    JsonNode preview = awaitReport(start(study[0], group, proposed));
    assertThat(parameter(preview, "preview").path("valueBoolean").asBoolean()).isTrue();
    Map<String, Integer> edited = funnel(preview, "inc-hba1c");
    assertThat(edited)
        .containsEntry("pass", 2)
        .containsEntry("fail", 1)
        .containsEntry("manual-review", 0);
    assertThat(verdicts(preview)).containsEntry("ineligible", 1).containsEntry("eligible", 2);

    // Nothing stored: the study's Group is the same version with the same criterion, no Group
    // was created, and the study's own screening still reads the machine's 9 %.
    JsonNode after = groupJson(study[1]);
    assertThat(after.path("meta").path("versionId").asText())
        .isEqualTo(stored.path("meta").path("versionId").asText());
    assertThat(after.path("characteristic").get(0).path("valueQuantity").path("value").asDouble())
        .isEqualTo(9.0);
    assertThat(groupCount()).isEqualTo(groupsBefore);
    assertThat(funnel(awaitReport(start(study[0], group, null)), "inc-hba1c")).isEqualTo(current);
  }

  @Test
  void aProposalTheReaderRefusesIsRefusedAtOnceAndAPreviewNeedsTheRightsOfAScreening()
      throws Exception {
    String[] study = machineReadHbA1cStudy();
    ObjectNode proposed = groupJson(study[1]).deepCopy();
    ((ObjectNode) proposed.path("characteristic").get(0)).remove("id");
    Response refused = start(study[0], null, proposed);
    assertThat(refused.statusCode()).as(refused.asString()).isBetween(400, 422);
    assertThat(refused.asString()).contains("has no id");

    fhirAs(TestTokens.token("user/*.rs", List.of("registry"), null))
        .header("Prefer", "respond-async")
        .body(parameters(null, groupJson(study[1])).toString())
        .post("/ResearchStudy/" + study[0] + "/$screen")
        .then()
        .statusCode(403);
    fhir()
        .header("Prefer", "respond-async")
        .body(parameters(null, groupJson(study[1])).toString())
        .post("/ResearchStudy/no-such-study/$screen")
        .then()
        .statusCode(404)
        .body(containsString("no-such-study"));
  }

  private Response start(String study, String group, JsonNode proposed) {
    return fhir()
        .header("Prefer", "respond-async")
        .body(parameters(group, proposed).toString())
        .post("/ResearchStudy/" + study + "/$screen");
  }

  private static ObjectNode parameters(String group, JsonNode proposed) {
    ObjectNode parameters = JSON.createObjectNode().put("resourceType", "Parameters");
    ArrayNode list = parameters.putArray("parameter");
    if (group != null) {
      list.addObject().put("name", "group").putObject("valueReference").put("reference", group);
    }
    list.addObject().put("name", "date").put("valueDate", LocalDate.now().toString());
    if (proposed != null) {
      list.addObject().put("name", "eligibility").set("resource", proposed);
    }
    return parameters;
  }

  private JsonNode awaitReport(Response started) throws Exception {
    assertThat(started.statusCode()).as(started.asString()).isEqualTo(202);
    String location = started.header("Content-Location");
    String poll = location.substring(location.indexOf("/$screen-status"));
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      Response status = fhir().get(poll);
      if (status.statusCode() == 200) {
        return JSON.readTree(status.asString());
      }
      assertThat(status.statusCode()).as(status.asString()).isEqualTo(202);
      Thread.sleep(300);
    }
    throw new AssertionError("screening not finished after 120 s: " + poll);
  }

  private static JsonNode parameter(JsonNode parameters, String name) {
    for (JsonNode parameter : parameters.path("parameter")) {
      if (name.equals(parameter.path("name").asText())) {
        return parameter;
      }
    }
    return JSON.missingNode();
  }

  private static Map<String, Integer> verdicts(JsonNode report) {
    Map<String, Integer> counts = new HashMap<>();
    parameter(report, "verdicts")
        .path("part")
        .forEach(p -> counts.put(p.path("name").asText(), p.path("valueInteger").asInt()));
    return counts;
  }

  /** The criterion's funnel counts by outcome. */
  private static Map<String, Integer> funnel(JsonNode report, String criterion) {
    for (JsonNode parameter : report.path("parameter")) {
      if (!"funnel".equals(parameter.path("name").asText())) {
        continue;
      }
      Map<String, Integer> counts = new HashMap<>();
      String name = null;
      for (JsonNode part : parameter.path("part")) {
        if ("criterion".equals(part.path("name").asText())) {
          name = part.path("valueString").asText();
        } else {
          counts.put(part.path("name").asText(), part.path("valueInteger").asInt());
        }
      }
      if (criterion.equals(name)) {
        return counts;
      }
    }
    throw new AssertionError("no funnel for " + criterion + " in " + report);
  }

  private JsonNode groupJson(String reference) throws Exception {
    return JSON.readTree(fhir().get("/" + reference).then().statusCode(200).extract().asString());
  }

  private int groupCount() {
    return fhir().get("/Group?_summary=count").then().statusCode(200).extract().path("total");
  }

  /** Patients with these HbA1c values (%), ten days ago, as a Group. */
  private String population(String... percents) throws Exception {
    ObjectNode group =
        JSON.createObjectNode()
            .put("resourceType", "Group")
            .put("type", "person")
            .put("actual", true);
    ArrayNode members = group.putArray("member");
    for (String percent : percents) {
      String patient = createPatient(unique("preview"), "1990-05-01");
      fhir()
          .body(
              """
              {"resourceType":"Observation","status":"final",
               "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
               "subject":{"reference":"Patient/%s"},"effectiveDateTime":"%s",
               "valueQuantity":{"value":%s,"unit":"%%","system":"http://unitsofmeasure.org","code":"%%"}}
              """
                  .formatted(patient, LocalDate.now().minusDays(10), percent))
          .post("/Observation")
          .then()
          .statusCode(201);
      members.addObject().putObject("entity").put("reference", "Patient/" + patient);
    }
    String id =
        fhir().body(group.toString()).post("/Group").then().statusCode(201).extract().path("id");
    return "Group/" + id;
  }

  /** A study whose one criterion (HbA1c below 9 %) a machine read: {study id, Group/id}. */
  private String[] machineReadHbA1cStudy() {
    String group = "urn:uuid:" + UUID.randomUUID();
    String body =
        """
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"fullUrl":"%1$s",
           "resource":{"resourceType":"Group","type":"person","actual":false,
             "name":"HbA1c below 9%% eligibility",
             "characteristic":[{"id":"inc-hba1c",
               "extension":[
                 {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-description",
                  "valueString":"HbA1c below 9%%"},
                 {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-origin",
                  "valueCode":"machine-derived"},
                 {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-valueset",
                  "valueCanonical":"http://trialfhir.org/fhir/ValueSet/hba1c"},
                 {"url":"http://trialfhir.org/fhir/StructureDefinition/criterion-lookback",
                  "valueDuration":{"value":60,"unit":"days",
                                   "system":"http://unitsofmeasure.org","code":"d"}}],
               "code":{"coding":[{"system":"http://trialfhir.org/fhir/CodeSystem/criterion-kind",
                                  "code":"observation-value"}],"text":"HbA1c below 9%%"},
               "valueQuantity":{"value":9,"comparator":"<","unit":"%%",
                                "system":"http://unitsofmeasure.org","code":"%%"},
               "exclude":false}]},
           "request":{"method":"POST","url":"Group"}},
          {"resource":{"resourceType":"ResearchStudy",
             "identifier":[{"system":"urn:trialfhir:test:study","value":"%2$s"}],
             "title":"HbA1c below 9%% (%2$s)","status":"active",
             "enrollment":[{"reference":"%1$s"}]},
           "request":{"method":"POST","url":"ResearchStudy"}}
        ]}
        """
            .formatted(group, unique("preview-study"));
    var answer = fhir().body(body).post("/").then().statusCode(200).extract().jsonPath();
    String[] studyLocation = answer.getString("entry[1].response.location").split("/");
    String[] groupLocation = answer.getString("entry[0].response.location").split("/");
    return new String[] {studyLocation[1], "Group/" + groupLocation[1]};
  }
}
