package org.trialfhir.server;

import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.IQueryParameterType;
import ca.uhn.fhir.rest.api.SearchTotalModeEnum;

/**
 * Searches the server makes for itself (an operation's lookups, importers, screening). They are
 * synchronous and ask for no total: the server's default total mode is {@code accurate} so that
 * clients get {@code Bundle.total}, and left to that default every internal lookup would run a
 * COUNT query before its real one (measured: it was most of {@code $eligibility}'s time).
 *
 * <p>They are never paged. An operation searches with its caller's request details (so that the
 * caller's rules apply), and HAPI gives such a search the REST server's default page size (20) as
 * its count: a synchronous search then stops at 20 results, and a patient with 25 HbA1c results got
 * a 500 from {@code $eligibility}. The map ignores a count set on it; a search that wants a limit
 * says so with {@code setLoadSynchronousUpTo}.
 */
public final class InternalSearch {

  private InternalSearch() {}

  public static SearchParameterMap map() {
    SearchParameterMap map = new Unpaged();
    map.setLoadSynchronous(true);
    map.setSearchTotalMode(SearchTotalModeEnum.NONE);
    return map;
  }

  public static SearchParameterMap map(String name, IQueryParameterType value) {
    return map().add(name, value);
  }

  /** A search map on which HAPI's page size has no hold. */
  private static final class Unpaged extends SearchParameterMap {
    @Override
    public SearchParameterMap setCount(Integer count) {
      return this;
    }
  }
}
