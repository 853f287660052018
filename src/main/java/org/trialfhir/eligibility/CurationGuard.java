package org.trialfhir.eligibility;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.springframework.stereotype.Component;
import org.trialfhir.server.FhirInterceptor;

/**
 * A machine's reading of registry text gains the power to exclude only through a coordinator's
 * recorded decision: a write of an eligibility Group that turns a {@code machine-derived} criterion
 * into a {@code confirmed} or {@code authored} one is refused unless it is {@link
 * CriterionCuration}'s, which writes the Provenance with it. A storage rule, so transactions and
 * imports meet it too. Moving the other way (back to machine-derived, or to a person's judgement)
 * makes no criterion stricter and is left alone.
 */
@Component
@Interceptor
class CurationGuard implements FhirInterceptor {

  private static final Set<String> EXCLUDING =
      Set.of(CriterionCuration.CONFIRMED, CriterionCuration.AUTHORED);

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource updated, RequestDetails request) {
    if (!(previous instanceof Group before) || !(updated instanceof Group after)) {
      return;
    }
    Map<String, String> origins =
        before.getCharacteristic().stream()
            .filter(c -> c.getId() != null)
            .collect(
                Collectors.toMap(
                    GroupCharacteristicComponent::getId,
                    c -> String.valueOf(CriterionCuration.origin(c)),
                    (a, b) -> a));
    Object curating =
        request == null ? null : request.getUserData().get(CriterionCuration.CURATING);
    for (GroupCharacteristicComponent criterion : after.getCharacteristic()) {
      String id = criterion.getId();
      if (id != null
          && CriteriaReader.MACHINE_DERIVED.equals(origins.get(id))
          && EXCLUDING.contains(CriterionCuration.origin(criterion))
          && !id.equals(curating)) {
        throw new UnprocessableEntityException(
            "Criterion '"
                + id
                + "' was read by machine from registry text: it is confirmed or edited with"
                + " ResearchStudy/[id]/$curate-criterion, which records who decided and when,"
                + " not by writing the Group");
      }
    }
  }
}
