package org.trialfhir.cds;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.storage.interceptor.balp.IBalpAuditEventSink;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceFeebackOutcomeEnum;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceFeedbackJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceOverrideReasonJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.trialfhir.security.JobCaller;

/**
 * Records CDS Hooks feedback (a clinician accepted or overrode a card) as AuditEvents in the audit
 * trail, one per feedback item: who (the EHR), which card, the study and verdict it was about when
 * this node answered it, the outcome, the override reason and comment, and when. An AuditEvent
 * rather than a resource of our own: it is a record of what a user did with what the server told
 * them, which is what the audit trail holds and who may read it (auditors), and it is never edited.
 */
@Component
class CdsFeedback {

  static final String OUTCOME_SYSTEM = "http://trialfhir.org/fhir/CodeSystem/cds-feedback-outcome";
  private static final int MAX_ITEMS = 100;
  private static final Logger log = LoggerFactory.getLogger(CdsFeedback.class);

  private final ObjectProvider<IBalpAuditEventSink> trail;
  private final TrialMatchService cards;
  private final ObjectMapper json;

  CdsFeedback(
      ObjectProvider<IBalpAuditEventSink> trail, TrialMatchService cards, FhirContext fhir) {
    this.trail = trail;
    this.cards = cards;
    this.json = CdsHooksConfig.mapper(fhir);
  }

  /** Checks every item first (a bad one refuses them all, 400), then records each; how many. */
  int record(String service, JsonNode body, JobCaller caller, CdsProperties.Issuer issuer) {
    List<CdsServiceFeedbackJson> items;
    try {
      items = items(body);
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          "A feedback item cannot be read: " + e.getOriginalMessage());
    }
    List<AuditEvent> events = new ArrayList<>();
    for (CdsServiceFeedbackJson item : items) {
      events.add(event(service, item, caller, issuer == null ? null : issuer.issuer()));
    }
    IBalpAuditEventSink sink = trail.getIfAvailable();
    if (sink == null) {
      log.warn("CDS feedback not recorded: the audit trail is off ({} item(s))", events.size());
      return 0;
    }
    events.forEach(sink::recordAuditEvent);
    return events.size();
  }

  /** CDS Hooks 2.0's {@code {"feedback": [...]}}; one item alone (1.x) is taken too. */
  private List<CdsServiceFeedbackJson> items(JsonNode body) throws JsonProcessingException {
    JsonNode list = body.get("feedback");
    List<JsonNode> nodes = new ArrayList<>();
    if (list != null && list.isArray()) {
      list.forEach(nodes::add);
    } else if (body.has("card")) {
      nodes.add(body);
    } else {
      throw new InvalidRequestException("Feedback needs a 'feedback' array of items");
    }
    if (nodes.isEmpty() || nodes.size() > MAX_ITEMS) {
      throw new InvalidRequestException(
          "Feedback needs between 1 and " + MAX_ITEMS + " items, not " + nodes.size());
    }
    List<CdsServiceFeedbackJson> items = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      CdsServiceFeedbackJson item = json.treeToValue(nodes.get(i), CdsServiceFeedbackJson.class);
      String problem =
          blank(item.getCard())
              ? "its 'card' (the card's uuid)"
              : item.getOutcome() == null
                  ? "its 'outcome' (accepted or overridden)"
                  : blank(item.getOutcomeTimestamp()) ? "its 'outcomeTimestamp'" : null;
      if (problem == null && (item.getCard().length() > 100 || tooLong(item))) {
        problem =
            "fields of reasonable length (card id at most 100, texts at most 1000 characters)";
      }
      if (problem != null) {
        throw new InvalidRequestException("Feedback item " + i + " lacks " + problem);
      }
      items.add(item);
    }
    return items;
  }

  private AuditEvent event(
      String service, CdsServiceFeedbackJson item, JobCaller caller, String issuer) {
    AuditEvent event = new AuditEvent();
    event
        .getType()
        .setSystem("http://dicom.nema.org/resources/ontology/DCM")
        .setCode("110100")
        .setDisplay("Application Activity");
    String outcome =
        item.getOutcome() == CdsServiceFeebackOutcomeEnum.accepted ? "accepted" : "overridden";
    event.addSubtype().setSystem(OUTCOME_SYSTEM).setCode(outcome).setDisplay("card " + outcome);
    event.setAction(AuditEventAction.E);
    event.setRecorded(new Date());
    event.setOutcome(AuditEventOutcome._0);
    event.getSource().getObserver().setDisplay("CDS service " + service);
    var agent = event.addAgent().setRequestor(true);
    agent.getWho().getIdentifier().setSystem(caller == null ? null : caller.issuer());
    agent.getWho().getIdentifier().setValue(caller == null ? "cds-client" : caller.clientId());

    AuditEventEntityComponent card = event.addEntity();
    card.getWhat()
        .getIdentifier()
        .setSystem("urn:ietf:rfc:3986")
        .setValue("urn:uuid:" + item.getCard());
    card.setDescription("CDS Hooks card");
    card.addDetail().setType("outcome").setValue(new StringType(outcome));
    card.addDetail()
        .setType("outcomeTimestamp")
        .setValue(new StringType(item.getOutcomeTimestamp()));
    CdsServiceOverrideReasonJson override = item.getOverrideReason();
    if (override != null) {
      if (override.getReason() != null) {
        card.addDetail()
            .setType("overrideReason")
            .setValue(
                new StringType(
                    override.getReason().getCode() + " " + override.getReason().getDisplay()));
      }
      if (!blank(override.getUserComment())) {
        card.addDetail().setType("userComment").setValue(new StringType(override.getUserComment()));
      }
    }
    TrialCards.Card answered = cards.card(item.getCard(), issuer);
    if (answered != null) {
      card.addDetail().setType("verdict").setValue(new StringType(answered.verdict()));
      card.addDetail().setType("ehrPatient").setValue(new StringType(answered.patient()));
      event.addEntity().setWhat(new Reference(answered.study())).setDescription("the study");
    }
    return event;
  }

  private static boolean tooLong(CdsServiceFeedbackJson item) {
    CdsServiceOverrideReasonJson override = item.getOverrideReason();
    String comment = override == null ? null : override.getUserComment();
    return item.getOutcomeTimestamp().length() > 100
        || (comment != null && comment.length() > 1000);
  }

  private static boolean blank(String text) {
    return text == null || text.isBlank();
  }
}
