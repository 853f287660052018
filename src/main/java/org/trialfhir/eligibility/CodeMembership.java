package org.trialfhir.eligibility;

/** Whether a code is in a ValueSet (by canonical URL). */
interface CodeMembership {

  boolean contains(String valueSetUrl, String system, String code);

  /** A readable name of the ValueSet for reasons, e.g. "Type 1 diabetes". */
  String title(String valueSetUrl);
}
