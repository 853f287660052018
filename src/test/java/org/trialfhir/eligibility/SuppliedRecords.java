package org.trialfhir.eligibility;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * A stored patient's record sent back as a Bundle ({@code record} of {@code $eligibility}), and the
 * assertion that the answer is the one for the stored patient: same verdict, and for every
 * criterion the same id, type, description, outcome, reason and evidence, the supplied answer's
 * references (the Bundle's fullUrls) read back as the stored {@code Type/id}.
 *
 * <p>Two shapes of Bundle, as clients send them: {@link Form#URN} gives every entry a fresh {@code
 * urn:uuid:} fullUrl, drops the ids and points every reference at those fullUrls (an EHR's export);
 * {@link Form#ABSOLUTE} keeps ids and relative references under absolute fullUrls of another
 * server.
 */
public final class SuppliedRecords {

  /** How the Bundle names its entries. */
  public enum Form {
    URN,
    ABSOLUTE
  }

  /** What a patient's record holds that criteria read; other types are ignored when supplied. */
  private static final List<String> TYPES =
      List.of("Condition", "Observation", "AllergyIntolerance", "Consent");

  private static final String ELSEWHERE = "http://ehr.example.org/fhir/";

  private static final FhirContext FHIR = FhirContext.forR4Cached();

  private final Supplier<RequestSpecification> caller;

  public SuppliedRecords(Supplier<RequestSpecification> caller) {
    this.caller = caller;
  }

  /** A record as sent, and each of its fullUrls as the stored "Type/id" it stands for. */
  public record Supplied(Bundle bundle, Map<String, String> storedIds) {
    /** The answer's references and reasons with the fullUrls turned into stored ids. */
    String stored(String text) {
      String result = text;
      if (result == null) {
        return null;
      }
      for (Map.Entry<String, String> e : storedIds.entrySet()) {
        result = result.replace(e.getKey(), e.getValue());
      }
      return result;
    }
  }

  /**
   * The stored patient's record as a Bundle of this form, in the order it was stored: {@code
   * storedOrder} lists "Type/id"s in that order (the server's ids are not ordered, and the order of
   * storing is not visible over REST); resources it does not list follow, by id.
   */
  public Supplied recordOf(String patientId, Form form, List<String> storedOrder) {
    List<Resource> resources = new ArrayList<>();
    resources.add(read("/Patient/" + patientId));
    for (String type : TYPES) {
      String parameter = type.equals("Observation") ? "subject" : "patient";
      Bundle found =
          parse(
              Bundle.class,
              get("/" + type + "?" + parameter + "=Patient/" + patientId + "&_count=1000"));
      assertThat(found.getLink("next")).as("%s of Patient/%s: one page", type, patientId).isNull();
      found.getEntry().stream()
          .map(e -> e.getResource())
          .sorted(
              Comparator.comparingInt(
                      (Resource r) -> {
                        int at =
                            storedOrder.indexOf(r.fhirType() + "/" + r.getIdElement().getIdPart());
                        return at < 0 ? Integer.MAX_VALUE : at;
                      })
                  .thenComparing(r -> r.getIdElement().getIdPart()))
          .forEach(resources::add);
    }
    Map<String, String> fullUrls = new LinkedHashMap<>(); // stored Type/id -> fullUrl
    for (Resource resource : resources) {
      String stored = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
      fullUrls.put(stored, form == Form.URN ? "urn:uuid:" + UUID.randomUUID() : ELSEWHERE + stored);
    }
    Bundle bundle = new Bundle().setType(BundleType.COLLECTION);
    Map<String, String> storedIds = new LinkedHashMap<>();
    for (Resource resource : resources) {
      String stored = resource.fhirType() + "/" + resource.getIdElement().getIdPart();
      Resource copy = resource.copy();
      copy.setMeta(null);
      if (form == Form.URN) {
        copy.setId((String) null);
        for (Reference reference :
            FHIR.newTerser().getAllPopulatedChildElementsOfType(copy, Reference.class)) {
          String target = reference.hasReference() ? typeAndId(reference.getReference()) : null;
          if (fullUrls.containsKey(target)) {
            reference.setReference(fullUrls.get(target));
          }
        }
      } else {
        copy.setId(stored);
      }
      bundle.addEntry().setFullUrl(fullUrls.get(stored)).setResource(copy);
      storedIds.put(fullUrls.get(stored), stored);
    }
    return new Supplied(bundle, storedIds);
  }

  /** {@code $eligibility} with the record supplied, as the answer comes. */
  public Response ask(String study, Bundle record, String date) {
    Parameters parameters = new Parameters();
    parameters.addParameter().setName("record").setResource(record);
    if (date != null) {
      parameters.addParameter().setName("date").setValue(new DateType(date));
    }
    return caller
        .get()
        .body(FHIR.newJsonParser().encodeResourceToString(parameters))
        .post("/ResearchStudy/" + study + "/$eligibility");
  }

  /**
   * Asks again with the stored patient's record supplied and asserts the answer is {@code
   * stored}'s. One form per patient, chosen by its (random) id, so every case is checked both ways
   * and the suite, over its many patients, sends both forms, at half the time of sending each case
   * in both (the suite runs on H2 and PostgreSQL in every CI run).
   */
  public void assertSameWhenSupplied(
      String study, String patientId, List<String> storedOrder, String date, JsonPath stored) {
    Form form = Form.values()[Math.floorMod(patientId.hashCode(), Form.values().length)];
    Supplied supplied = recordOf(patientId, form, storedOrder);
    Response response = ask(study, supplied.bundle(), date);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    assertSame(stored, response.jsonPath(), supplied, form + " record of Patient/" + patientId);
  }

  /**
   * Asks {@code Patient/$match-studies} with the stored patient's record supplied and asserts that
   * every study both answers hold has the same score and verdict (studies other tests create
   * meanwhile may be in one answer only).
   */
  public void assertSameMatchWhenSupplied(
      String patientId, List<String> storedOrder, String date, JsonPath stored) {
    Supplied supplied = recordOf(patientId, Form.URN, storedOrder);
    Parameters parameters = new Parameters();
    parameters.addParameter().setName("record").setResource(supplied.bundle());
    parameters.addParameter().setName("date").setValue(new DateType(date));
    Response response =
        caller
            .get()
            .body(FHIR.newJsonParser().encodeResourceToString(parameters))
            .post("/Patient/$match-studies");
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    Map<String, String> expected = matches(stored);
    Map<String, String> actual = matches(response.jsonPath());
    assertThat(actual.keySet()).containsAll(expected.keySet());
    expected.forEach(
        (study, match) -> assertThat(actual.get(study)).as("match of %s", study).isEqualTo(match));
  }

  /** Study id -> "score verdict", from a $match-studies Bundle. */
  private static Map<String, String> matches(JsonPath bundle) {
    Map<String, String> matches = new LinkedHashMap<>();
    List<Map<String, Object>> entries = bundle.getList("entry");
    for (int i = 0; i < entries.size(); i++) {
      String at = "entry[" + i + "]";
      matches.put(
          bundle.getString(at + ".resource.id"),
          bundle.getString(at + ".search.score")
              + " "
              + bundle.getString(
                  at + ".resource.contained[0].parameter.find { it.name == 'verdict' }.valueCode"));
    }
    return matches;
  }

  /** Same verdict, patient, date, and criteria (evidence and reasons read back). */
  static void assertSame(JsonPath stored, JsonPath supplied, Supplied record, String what) {
    assertThat(value(supplied, "verdict", "valueCode"))
        .as("verdict of the %s", what)
        .isEqualTo(value(stored, "verdict", "valueCode"));
    assertThat(value(supplied, "date", "valueDate")).isEqualTo(value(stored, "date", "valueDate"));
    assertThat(record.stored(value(supplied, "patient", "valueReference.reference")))
        .as("patient of the %s", what)
        .isEqualTo(value(stored, "patient", "valueReference.reference"));
    List<String> expected = criteria(stored, s -> s);
    List<String> actual = criteria(supplied, record::stored);
    assertThat(actual).as("criteria of the %s", what).containsExactlyElementsOf(expected);
  }

  private static String value(JsonPath answer, String name, String path) {
    return answer.getString("parameter.find { it.name == '" + name + "' }." + path);
  }

  /** Each criterion as one line: id, type, description, outcome, reason, evidence. */
  @SuppressWarnings("unchecked")
  private static List<String> criteria(
      JsonPath answer, java.util.function.UnaryOperator<String> readBack) {
    List<String> lines = new ArrayList<>();
    List<Map<String, Object>> parameters = answer.getList("parameter");
    for (Map<String, Object> parameter : parameters) {
      if (!"criterion".equals(parameter.get("name"))) {
        continue;
      }
      StringBuilder line = new StringBuilder();
      for (Map<String, Object> part : (List<Map<String, Object>>) parameter.get("part")) {
        Object value =
            part.entrySet().stream()
                .filter(e -> e.getKey().startsWith("value"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
        if (value instanceof Map<?, ?> reference) {
          value =
              Objects.toString(reference.get("reference"), "display " + reference.get("display"));
        }
        line.append(part.get("name"))
            .append('=')
            .append(readBack.apply(Objects.toString(value)))
            .append(" | ");
      }
      lines.add(line.toString());
    }
    return lines;
  }

  private Resource read(String path) {
    return (Resource) parse(Resource.class, get(path));
  }

  private String get(String path) {
    Response response = caller.get().get(path);
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return response.asString();
  }

  @SuppressWarnings("unchecked")
  private static <T> T parse(Class<T> type, String json) {
    IParser parser = FHIR.newJsonParser();
    return (T) parser.parseResource(json);
  }

  /** "Type/id" of a reference, whatever its base or version. */
  static String typeAndId(String reference) {
    String withoutVersion = reference.replaceFirst("/_history/.*$", "");
    String[] segments = withoutVersion.split("/");
    return segments.length < 2
        ? withoutVersion
        : segments[segments.length - 2] + "/" + segments[segments.length - 1];
  }
}
