package org.trialfhir.server;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry.SearchParamLookupContextEnum;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.SearchParameter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.trialfhir.profiles.ProjectPackage;

/**
 * Compares the project's SearchParameters stored in the database (those of its canonical base,
 * status active) with what this node's registry applies. A node whose registry was loaded before
 * another node stored the package finds it "installed already" and would not search by them until
 * HAPI's periodic refresh; here the registry is refreshed at once when something is missing.
 */
@Component
class PackageSearchParameterCheck implements SearchParameterCheck {

  private static final Logger log = LoggerFactory.getLogger(PackageSearchParameterCheck.class);
  private static final String PREFIX = ProjectPackage.CANONICAL_BASE + "/SearchParameter/";

  private final DaoRegistry daos;
  private final ISearchParamRegistry registry;

  PackageSearchParameterCheck(DaoRegistry daos, ISearchParamRegistry registry) {
    this.daos = daos;
    this.registry = registry;
  }

  @Override
  public Result check() {
    List<SearchParameter> stored = storedActive();
    Result result = compare(stored);
    if (!result.missing().isEmpty()) {
      log.info("Search parameters not active yet, refreshing the registry: {}", result.missing());
      registry.forceRefresh();
      result = compare(stored);
    }
    return result;
  }

  private List<SearchParameter> storedActive() {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.add(SearchParameter.SP_STATUS, new TokenParam("active"));
    List<SearchParameter> found = new ArrayList<>();
    for (IBaseResource resource :
        daos.getResourceDao(SearchParameter.class)
            .search(map, new SystemRequestDetails())
            .getAllResources()) {
      SearchParameter parameter = (SearchParameter) resource;
      if (parameter.getUrl() != null && parameter.getUrl().startsWith(PREFIX)) {
        found.add(parameter);
      }
    }
    return found;
  }

  private Result compare(List<SearchParameter> stored) {
    List<String> active = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (SearchParameter parameter : stored) {
      if (registry.getActiveSearchParamByUrl(
              parameter.getUrl(), SearchParamLookupContextEnum.SEARCH)
          != null) {
        active.add(parameter.getCode());
      } else {
        missing.add(parameter.getUrl());
      }
    }
    active.sort(null);
    missing.sort(null);
    return new Result(active, missing);
  }
}
