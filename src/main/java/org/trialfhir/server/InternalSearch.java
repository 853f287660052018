package org.trialfhir.server;

import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.IQueryParameterType;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;

/**
 * Searches the server makes for itself (an operation's lookups, importers, screening). They are
 * synchronous and ask for no total: the server's default total mode is {@code accurate} so that
 * clients get {@code Bundle.total}, and left to that default every internal lookup would run a
 * COUNT query before its real one (measured: it was most of {@code $eligibility}'s time).
 */
public final class InternalSearch {

  private InternalSearch() {}

  public static SearchParameterMap map() {
    SearchParameterMap map = SearchParameterMap.newSynchronous();
    map.setSearchTotalMode(SearchTotalModeEnum.NONE);
    return map;
  }

  public static SearchParameterMap map(String name, IQueryParameterType value) {
    return map().add(name, value);
  }
}
