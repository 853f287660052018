package org.trialfhir.cds;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.cdshooks.CdsServiceRequestJson;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.hapi.fhir.cdshooks.api.CdsResolutionStrategyEnum;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsServiceRegistry;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceJson;
import ca.uhn.hapi.fhir.cdshooks.api.json.CdsServiceResponseJson;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;
import org.trialfhir.eligibility.EligibilityService;
import org.trialfhir.security.JobCaller;
import org.trialfhir.server.InternalSearch;

/**
 * The {@code patient-view} service: the patient's record (from the prefetch the EHR sent, else
 * fetched from its {@code fhirServer} by HAPI's prefetch service; or, with {@code read-store} and
 * nothing sent, this server's copy, read as the caller) is evaluated in memory against every
 * recruiting study ({@link EligibilityService#matchRecord}); the answer is a card per study worth a
 * clinician's look ({@link TrialCards}). Nothing of the record is stored.
 */
@Component
class TrialMatchService {

  static final String ID = "trialfhir-trial-match";

  /**
   * What the criteria read, by prefetch key: the types the eligibility engine reads from a record
   * (age and sex from the Patient; diagnoses; results; consents; allergies), one query each.
   */
  static final Map<String, String> PREFETCH = prefetch();

  /** HAPI's registry calls a function of the request JSON only: the caller rides along here. */
  private static final ThreadLocal<Caller> CALLER = new ThreadLocal<>();

  /** Who a call acts for: the request to read with, the EHR's identity, and its JWT's issuer. */
  record Caller(RequestDetails request, JobCaller who, String issuer) {}

  private final EligibilityService eligibility;
  private final DaoRegistry daos;
  private final CdsProperties properties;
  private final Cache<String, Stored> cards =
      Caffeine.newBuilder().expireAfterWrite(Duration.ofDays(1)).maximumSize(100_000).build();

  TrialMatchService(EligibilityService eligibility, DaoRegistry daos, CdsProperties properties) {
    this.eligibility = eligibility;
    this.daos = daos;
    this.properties = properties;
  }

  private static Map<String, String> prefetch() {
    Map<String, String> templates = new LinkedHashMap<>();
    templates.put("patient", "Patient/{{context.patientId}}");
    templates.put("conditions", "Condition?patient={{context.patientId}}");
    templates.put("observations", "Observation?patient={{context.patientId}}");
    templates.put("consents", "Consent?patient={{context.patientId}}");
    templates.put("allergies", "AllergyIntolerance?patient={{context.patientId}}");
    return templates;
  }

  void registerIn(ICdsServiceRegistry registry) {
    CdsServiceJson service = new CdsServiceJson();
    service.setId(ID);
    service.setHook("patient-view");
    service.setTitle("Clinical trials this patient may join");
    service.setDescription(
        "Evaluates the patient's record against the eligibility criteria of every recruiting"
            + " study and shows a card for each study the patient is eligible for, may be"
            + " eligible for after review, or lacks data to decide.");
    PREFETCH.forEach(
        (key, template) -> {
          service.addPrefetch(key, template);
          // NONE: HAPI picks the EHR's FHIR server when the call names one, else leaves the key
          // to this service (CdsHooksConfig.CallerOwnedPrefetch)
          service.addSource(key, CdsResolutionStrategyEnum.NONE);
        });
    registry.registerService(ID, this::cards, service, true, "trialfhir");
  }

  /** Runs a call of the registry as the request's caller (see {@link #CALLER}). */
  <T> T as(Caller caller, Supplier<T> call) {
    CALLER.set(caller);
    try {
      return call.get();
    } finally {
      CALLER.remove();
    }
  }

  /**
   * A card this node answered in the last day to the same EHR (issuer), for its feedback; null if
   * unknown or answered to another EHR.
   */
  TrialCards.Card card(String uuid, String issuer) {
    Stored stored = uuid == null ? null : cards.getIfPresent(uuid);
    return stored != null && Objects.equals(stored.issuer(), issuer) ? stored.card() : null;
  }

  private record Stored(TrialCards.Card card, String issuer) {}

  private CdsServiceResponseJson cards(CdsServiceRequestJson call) {
    Caller caller = CALLER.get();
    if (caller == null) {
      throw new IllegalStateException("a CDS service call without its caller");
    }
    RequestDetails request = caller.request();
    String patientId = call.getContext() == null ? null : call.getContext().getString("patientId");
    if (patientId == null || patientId.isBlank()) {
      throw new InvalidRequestException("patient-view needs context.patientId");
    }
    Bundle record = record(call, patientId, caller);
    Bundle matches = eligibility.matchRecord(record, LocalDate.now(), request);
    CdsServiceResponseJson response = new CdsServiceResponseJson();
    String page = properties.pageUrl() != null ? properties.pageUrl() : serverRoot(request);
    for (TrialCards.Card card : TrialCards.of(matches, patientId, page)) {
      cards.put(card.json().getUuid(), new Stored(card, caller.issuer()));
      response.addCard(card.json());
    }
    return response;
  }

  /**
   * One Bundle of the patient and their resources, as {@code $match-studies} takes a record: all
   * from the call (its prefetch, and what HAPI fetched from its {@code fhirServer}), or, with
   * {@code read-store} and nothing sent, all from this server; never some of each, since the EHR's
   * {@code Patient/123} need not be this server's.
   */
  private Bundle record(CdsServiceRequestJson call, String patientId, Caller caller) {
    Bundle record = new Bundle().setType(Bundle.BundleType.COLLECTION);
    boolean nothingSent = call.getPrefetchKeys().isEmpty();
    if (nothingSent && properties.readStore()) {
      ownPatient(patientId, caller);
    }
    for (String key : PREFETCH.keySet()) {
      IBaseResource found = call.getPrefetch(key);
      if (found == null) {
        if (!nothingSent || !properties.readStore()) {
          throw new PreconditionFailedException(
              "The call lacks the prefetch '"
                  + key
                  + "' and names no fhirServer to fetch it from; send every prefetch the"
                  + " discovery document lists");
        }
        found = fromStore(key, patientId, caller.request());
      }
      add(record, key, found, patientId);
    }
    if (record.getEntry().size() > properties.maxRecordEntries()) {
      throw new UnprocessableEntityException(
          "The patient's record holds "
              + record.getEntry().size()
              + " resources, more than this service takes ("
              + properties.maxRecordEntries()
              + ")");
    }
    return record;
  }

  private static void add(Bundle record, String key, IBaseResource found, String patientId) {
    if (found == null || found instanceof OperationOutcome) {
      // Prefetch the EHR could not fill (CDS Hooks lets it send an OperationOutcome): the record
      // lacks that part, which the criteria then report as missing data.
      return;
    }
    if (found instanceof Bundle bundle) {
      if (bundle.getLink(Bundle.LINK_NEXT) != null) {
        throw new UnprocessableEntityException(
            "The prefetch '"
                + key
                + "' holds only the first page of its search; send the whole result, so that no"
                + " verdict is made on part of the record");
      }
      for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
        if (entry.getResource() != null && !(entry.getResource() instanceof OperationOutcome)) {
          samePatient(entry.getResource(), patientId);
          record.addEntry().setFullUrl(entry.getFullUrl()).setResource(entry.getResource());
        }
      }
      return;
    }
    samePatient((Resource) found, patientId);
    Resource resource = (Resource) found;
    record
        .addEntry()
        .setFullUrl(resource.fhirType() + "/" + resource.getIdElement().getIdPart())
        .setResource(resource);
  }

  private static void samePatient(Resource resource, String patientId) {
    if (resource instanceof Patient patient
        && !patientId.equals(patient.getIdElement().getIdPart())) {
      throw new InvalidRequestException(
          "The prefetch holds a Patient other than context.patientId's");
    }
  }

  /**
   * Only a patient of the EHR's organisation is answered from the store (the same 404 for one of
   * another organisation as for none, so the answer tells nothing of other hospitals' patients).
   */
  private void ownPatient(String patientId, Caller caller) {
    String organization = caller.who() == null ? null : caller.who().organization();
    Patient patient;
    try {
      patient =
          daos.getResourceDao(Patient.class)
              .read(new IdType("Patient", patientId), caller.request());
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      patient = null;
    }
    String managing =
        patient == null || !patient.hasManagingOrganization()
            ? null
            : new IdType(patient.getManagingOrganization().getReference()).getIdPart();
    if (managing == null
        || organization == null
        || !managing.equals(new IdType(organization).getIdPart())) {
      throw new ResourceNotFoundException(
          "This server holds no patient '" + patientId + "' of the calling EHR's organisation");
    }
  }

  /** A part of the record the call did not send, read from this server as the caller. */
  private IBaseResource fromStore(String key, String patientId, RequestDetails request) {
    if ("patient".equals(key)) {
      return daos.getResourceDao(Patient.class).read(new IdType("Patient", patientId), request);
    }
    Class<? extends Resource> type =
        switch (key) {
          case "conditions" -> Condition.class;
          case "observations" -> Observation.class;
          case "consents" -> Consent.class;
          case "allergies" -> AllergyIntolerance.class;
          default -> throw new IllegalStateException("no store read for prefetch " + key);
        };
    SearchParameterMap search =
        InternalSearch.map("patient", new ReferenceParam("Patient/" + patientId));
    // One more than the record may hold: enough to refuse it without loading all of a huge one.
    search.setLoadSynchronousUpTo(properties.maxRecordEntries() + 1);
    List<IBaseResource> found = daos.getResourceDao(type).search(search, request).getAllResources();
    if (found.size() > properties.maxRecordEntries()) {
      throw new UnprocessableEntityException(
          "The patient's record holds more resources than this service takes ("
              + properties.maxRecordEntries()
              + ")");
    }
    Bundle bundle = new Bundle().setType(Bundle.BundleType.SEARCHSET);
    for (IBaseResource resource : found) {
      Resource r = (Resource) resource;
      bundle
          .addEntry()
          .setFullUrl(r.fhirType() + "/" + r.getIdElement().getIdPart())
          .setResource(r);
    }
    return bundle;
  }

  private static String serverRoot(RequestDetails request) {
    String base = request.getFhirServerBase();
    return base == null ? "/" : base.replaceAll("/fhir/?$", "/");
  }
}
