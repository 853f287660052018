package org.trialfhir.study;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.model.api.IQueryParameterType;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.QuantityOrListParam;
import ca.uhn.fhir.rest.param.QuantityParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.SpecialParam;
import ca.uhn.fhir.rest.param.StringOrListParam;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.TokenParamModifier;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.util.ICachedSearchDetails;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Location;
import org.springframework.stereotype.Component;
import org.trialfhir.eligibility.TimeUnit;
import org.trialfhir.server.FhirInterceptor;
import org.trialfhir.server.InternalSearch;

/**
 * Study discovery as apps ask for it, answered with HAPI's own indexes: {@code eligible-age=10}
 * becomes "lowest eligible age ≤ 10 years ≤ highest", {@code condition:text=} a contains-search on
 * the condition's words, {@code eligibility-sex=female} also finds studies open to all, and {@code
 * site.near=} the studies with a site in that circle. Runs on every ResearchStudy search, whether
 * it comes over REST or from our own code.
 */
@Component
@Interceptor
class StudySearchInterceptor implements FhirInterceptor {

  static final String UCUM = "http://unitsofmeasure.org";

  private final DaoRegistry daos;

  StudySearchInterceptor(DaoRegistry daos) {
    this.daos = daos;
  }

  @Hook(Pointcut.STORAGE_PRESEARCH_REGISTERED)
  public void rewrite(ICachedSearchDetails search, SearchParameterMap map) {
    if ("Location".equals(search.getResourceType())) {
      // The sites a study search looks in: half a coordinate is a 400 naming it (HAPI: a 500).
      checkNear(map, Location.SP_NEAR);
      return;
    }
    if (!"ResearchStudy".equals(search.getResourceType())) {
      return;
    }
    eligibleAge(map);
    conditionText(map);
    sexIncludesAll(map);
    siteNear(map);
  }

  /**
   * Days in each UCUM time unit a study's age range may use (UCUM: a = 365.25 d, mo = a / 12).
   * HAPI's quantity index compares values of the same unit only (its UCUM normalisation would make
   * every Observation written cost twice as much, measured), so the age asked for is converted to
   * each unit and the bounds are matched in any of them.
   */
  private static final Map<String, BigDecimal> DAYS_PER_UNIT =
      Arrays.stream(TimeUnit.values()).collect(Collectors.toMap(TimeUnit::ucum, TimeUnit::days));

  private static void eligibleAge(SearchParameterMap map) {
    List<List<IQueryParameterType>> ages = map.remove("eligible-age");
    if (ages == null) {
      return;
    }
    for (List<IQueryParameterType> or : ages) {
      if (or.size() != 1 || !(or.get(0) instanceof QuantityParam age) || age.getValue() == null) {
        throw new InvalidRequestException(
            "eligible-age takes one age, in years (eligible-age=10) or as a UCUM quantity"
                + " (eligible-age=18|http://unitsofmeasure.org|mo); to combine ages, repeat it");
      }
      if (age.getPrefix() != null && age.getPrefix() != ParamPrefixEnum.EQUAL) {
        throw new InvalidRequestException(
            "eligible-age takes no comparator: it finds studies whose age range contains the age");
      }
      String unit = age.getUnits() == null || age.getUnits().isBlank() ? "a" : age.getUnits();
      if (!DAYS_PER_UNIT.containsKey(unit)
          || (age.getSystem() != null
              && !age.getSystem().isBlank()
              && !UCUM.equals(age.getSystem()))) {
        throw new InvalidRequestException(
            "eligible-age takes an age in a UCUM time unit (a, mo, wk, d, h, min), not '"
                + unit
                + "'");
      }
      BigDecimal days = age.getValue().multiply(DAYS_PER_UNIT.get(unit));
      map.add("eligible-age-low", inEveryUnit(ParamPrefixEnum.LESSTHAN_OR_EQUALS, days));
      map.add("eligible-age-high", inEveryUnit(ParamPrefixEnum.GREATERTHAN_OR_EQUALS, days));
    }
  }

  private static QuantityOrListParam inEveryUnit(ParamPrefixEnum prefix, BigDecimal days) {
    QuantityOrListParam any = new QuantityOrListParam();
    DAYS_PER_UNIT.forEach(
        (unit, perUnit) ->
            any.addOr(
                new QuantityParam(
                    prefix,
                    days.divide(perUnit, MathContext.DECIMAL64).stripTrailingZeros(),
                    UCUM,
                    unit)));
    return any;
  }

  /**
   * {@code :text} on a token needs full-text indexing; the condition's words are indexed. One text
   * is matched word by word, in any order, each word or the whole text also by the other names the
   * package gives that condition ({@link ConditionWords}); texts ORed in one parameter are matched
   * each as a whole (an OR of ANDs is not a search HAPI can express).
   */
  private static void conditionText(SearchParameterMap map) {
    List<List<IQueryParameterType>> conditions = map.get("condition");
    if (conditions == null) {
      return;
    }
    List<List<IQueryParameterType>> codes = new ArrayList<>();
    for (List<IQueryParameterType> or : conditions) {
      List<String> texts = new ArrayList<>();
      for (IQueryParameterType value : or) {
        if (value instanceof TokenParam token && token.getModifier() == TokenParamModifier.TEXT) {
          texts.add(token.getValue() == null ? "" : token.getValue());
        }
      }
      if (texts.isEmpty()) {
        codes.add(or);
      } else if (texts.size() != or.size()) {
        throw new InvalidRequestException(
            "condition:text and condition codes cannot be ORed in one parameter; repeat it");
      } else if (texts.size() == 1) {
        List<List<String>> groups = ConditionWords.ofPackage().query(texts.get(0));
        if (groups.isEmpty()) {
          throw new InvalidRequestException("condition:text needs at least one word");
        }
        groups.forEach(group -> map.add("condition-text", contains(group)));
      } else {
        map.add(
            "condition-text",
            contains(
                texts.stream()
                    .flatMap(t -> ConditionWords.ofPackage().phrase(t).stream())
                    .toList()));
      }
    }
    map.remove("condition");
    if (!codes.isEmpty()) {
      map.put("condition", codes);
    }
  }

  private static StringOrListParam contains(List<String> alternatives) {
    StringOrListParam any = new StringOrListParam();
    alternatives.forEach(words -> any.addOr(new StringParam(words).setContains(true)));
    return any;
  }

  /** A participant of either sex may join a study open to all. */
  private static void sexIncludesAll(SearchParameterMap map) {
    List<List<IQueryParameterType>> sexes = map.get("eligibility-sex");
    if (sexes == null) {
      return;
    }
    for (List<IQueryParameterType> or : sexes) {
      boolean one =
          or.stream()
              .anyMatch(
                  v ->
                      v instanceof TokenParam t
                          && t.getModifier() == null
                          && ("female".equals(t.getValue()) || "male".equals(t.getValue())));
      if (one) {
        or.add(new TokenParam("all"));
      }
    }
  }

  private static void checkNear(SearchParameterMap map, String name) {
    List<List<IQueryParameterType>> near = map.get(name);
    if (near == null) {
      return;
    }
    for (List<IQueryParameterType> or : near) {
      for (IQueryParameterType value : or) {
        if (value instanceof SpecialParam point) {
          NearParameter.parse(name, point.getValue());
        }
      }
    }
  }

  /** HAPI does not chain into {@code near}: find the sites first, then their studies. */
  private void siteNear(SearchParameterMap map) {
    List<List<IQueryParameterType>> sites = map.get("site");
    if (sites == null) {
      return;
    }
    for (List<IQueryParameterType> or : sites) {
      if (or.isEmpty()
          || !or.stream()
              .allMatch(v -> v instanceof ReferenceParam r && "near".equals(r.getChain()))) {
        continue;
      }
      for (IQueryParameterType value : or) {
        // A half coordinate is refused here, naming it: HAPI would fail it with its own words.
        NearParameter.parse("site.near", ((ReferenceParam) value).getValue());
      }
      Set<IIdType> found = new LinkedHashSet<>();
      for (IQueryParameterType value : or) {
        SearchParameterMap locations = InternalSearch.map();
        locations.add(
            Location.SP_NEAR, new SpecialParam().setValue(((ReferenceParam) value).getValue()));
        daos.getResourceDao(Location.class)
            .search(locations, new SystemRequestDetails())
            .getAllResources()
            .forEach(location -> found.add(location.getIdElement().toUnqualifiedVersionless()));
      }
      or.clear();
      found.forEach(id -> or.add(new ReferenceParam(id)));
      if (or.isEmpty()) {
        // No site in range: a site id no one can have chosen in advance matches no study.
        or.add(new ReferenceParam("Location/" + UUID.randomUUID()));
      }
    }
  }
}
