package org.trialfhir.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.trialfhir.subscription.TestInbox.subscription;

import io.restassured.response.ValidatableResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.trialfhir.IntegrationTestBase;
import org.trialfhir.TestTokens;

/**
 * R4 Subscriptions as a worklist or an EHR inbox uses them: a rest-hook on Tasks, to an endpoint an
 * administrator listed, notified without payload when a matching Task is written; and every other
 * shape refused with a 4xx naming the problem, so the server never calls an address a client chose
 * nor hands a resource to a listener outside its rights.
 */
@Tag("persistence")
class SubscriptionIT extends IntegrationTestBase {

  @Test
  void aTaskMatchingTheCriteriaIsNotifiedWithoutPayloadAndOthersAreNot() {
    String patient = createPatient(unique("sub"), "2014-03-01");
    String path = TestInbox.follow(this::fhir, "Task?status=requested&patient=Patient/" + patient);

    fhir().body(task(patient, "draft")).post("/Task").then().statusCode(201);
    fhir().body(task(patient, "requested")).post("/Task").then().statusCode(201);

    List<TestInbox.Notification> received = TestInbox.await(path, 1);
    assertThat(received.get(0).bodyBytes()).as("no resource in the notification").isZero();
    assertThat(received.get(0).authorization()).isEqualTo("Bearer inbox-secret");
    TestInbox.sleep(3000);
    assertThat(TestInbox.received(path)).as("the draft Task matched nothing").hasSize(1);
  }

  @Test
  void blindingAppliesToTasksAsToAnyResource() {
    String patient = createPatient(unique("blinded-task"), "2014-03-01");
    fhir()
        .body(
            """
            {"resourceType":"Task","meta":{"security":[{
               "system":"http://trialfhir.org/fhir/CodeSystem/security-label",
               "code":"treatment-allocation"}]},
             "status":"requested","intent":"proposal","description":"dispense the arm B kit",
             "for":{"reference":"Patient/%s"}}
            """
                .formatted(patient))
        .post("/Task")
        .then()
        .statusCode(201);
    fhir().body(task(patient, "requested")).post("/Task").then().statusCode(201);

    String blinded =
        fhirAs(TestTokens.token("user/*.rs", List.of("coordinator"), null))
            .queryParam("patient", "Patient/" + patient)
            .get("/Task")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(blinded).contains("Review a possible trial candidate").doesNotContain("arm B");
    String unblinded =
        fhirAs(TestTokens.token("user/*.rs", List.of("unblinded"), null))
            .queryParam("patient", "Patient/" + patient)
            .get("/Task")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertThat(unblinded).contains("arm B");
  }

  @Test
  void aListedEndpointThatRedirectsLeadsTheServerNowhereElse() {
    String patient = createPatient(unique("redirect"), "2014-03-01");
    String name = UUID.randomUUID().toString();
    String path =
        TestInbox.follow(
            this::fhir,
            "Task?status=requested&patient=Patient/" + patient,
            "/inbox/redirect-" + name);
    fhir().body(task(patient, "requested")).post("/Task").then().statusCode(201);
    TestInbox.await(path, 1);
    TestInbox.sleep(3000);
    assertThat(TestInbox.received("/leak/" + name)).as("the redirect was not followed").isEmpty();
  }

  @Test
  void shapesThatWouldLeakOrCallAnywhereAreRefusedByName() {
    String inbox = TestInbox.base() + "/inbox/x";
    refused(subscription("Task?status=requested", "https://evil.example.org/hook", null))
        .body(containsString("rest-hook-endpoints"));
    // A listed address as the start of another host's name is not that address.
    refused(
            subscription(
                "Task?status=requested", TestInbox.base() + ".evil.example.org/inbox/x", null))
        .body(containsString("is not an address this server may call"));
    refused(subscription("Task?status=requested", inbox, "application/fhir+json"))
        .body(containsString("Subscription.channel.payload must be absent"));
    refused(
            subscription(
                "Task?patient._has:ResearchSubject:individual:status=on-study", inbox, null))
        .body(containsString("not a chain or _has"));
    refused(subscription("Task?_has:AuditEvent:entity:type=rest", inbox, null))
        .body(containsString("not a chain or _has"));
    refused(subscription("ResearchSubject?status=on-study", inbox, null))
        .body(containsString("must be a search on Task"));
    refused(
            subscription("Task?status=requested", inbox, null)
                .replace("\"rest-hook\"", "\"websocket\""))
        .body(containsString("must be 'rest-hook'"));

    refused(
            subscription("Task?status=requested", inbox, null)
                .replace("Authorization: Bearer inbox-secret", "Host: intranet.example"))
        .body(containsString("may only carry 'Authorization'"));

    // The listener's secret is shown to no reader.
    String id =
        fhir()
            .body(subscription("Task?status=requested", inbox, null))
            .post("/Subscription")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    fhir()
        .get("/Subscription/" + id)
        .then()
        .statusCode(200)
        .body("channel.header[0]", org.hamcrest.Matchers.equalTo("Authorization: (hidden)"));

    // A caller who may write Subscriptions but not read every Task may not follow Tasks.
    fhirAs(
            TestTokens.token(
                "user/Subscription.cruds user/Patient.rs", List.of("coordinator"), null))
        .body(subscription("Task?status=requested", inbox, null))
        .post("/Subscription")
        .then()
        .statusCode(403)
        .body(containsString("read and search every Task"));
  }

  private ValidatableResponse refused(String body) {
    return fhir().body(body).post("/Subscription").then().statusCode(422);
  }

  private static String task(String patient, String status) {
    return """
        {"resourceType":"Task","status":"%s","intent":"proposal",
         "code":{"text":"Review a possible trial candidate"},"for":{"reference":"Patient/%s"}}
        """
        .formatted(status, patient);
  }
}
