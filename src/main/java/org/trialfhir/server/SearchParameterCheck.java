package org.trialfhir.server;

import java.util.List;

/** Which of the project's SearchParameters this node's search parameter registry applies. */
@FunctionalInterface
interface SearchParameterCheck {

  Result check();

  /**
   * @param active the codes of the project's SearchParameters this node searches by
   * @param missing the canonical URLs of those stored as active that it does not apply yet
   */
  record Result(List<String> active, List<String> missing) {
    public Result {
      active = List.copyOf(active);
      missing = List.copyOf(missing);
    }
  }
}
