package org.trialfhir.projection;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.fhirpath.IFhirPath;
import ca.uhn.fhir.fhirpath.IFhirPath.IParsedExpression;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Reference;

/**
 * Runs a {@link View} over one resource with HAPI's FHIRPath engine: the rows the view defines, as
 * column name → value (text as FHIR writes it, or a Boolean for boolean columns; null when the path
 * finds nothing; for a collection column, every value found as a JSON array of text, or null when
 * it finds none). The two functions SQL on FHIR adds to FHIRPath are read here: {@code
 * getResourceKey()} is the resource's id, {@code x.getReferenceKey(Type)} the id a reference to a
 * resource of that type points at.
 */
final class ViewRunner {

  private static final Pattern REFERENCE_KEY =
      Pattern.compile("^(.+)\\.getReferenceKey\\((\\w*)\\)$");

  private final FhirContext fhirContext;
  private final Map<String, IParsedExpression> parsed = new ConcurrentHashMap<>();

  /** HAPI's FHIRPath engine keeps state while it evaluates: one per thread. */
  private final ThreadLocal<IFhirPath> engine;

  ViewRunner(FhirContext fhirContext) {
    this.fhirContext = fhirContext;
    this.engine = ThreadLocal.withInitial(fhirContext::newFhirPath);
  }

  List<Map<String, Object>> rows(View view, IBaseResource resource) {
    if (!view.resource().equals(fhirContext.getResourceType(resource))) {
      throw new IllegalArgumentException(view.name() + " does not read " + resource);
    }
    for (String condition : view.where()) {
      List<IBase> holds = evaluate(resource, condition);
      if (holds.size() != 1
          || !(holds.get(0) instanceof IPrimitiveType<?> p)
          || !Boolean.TRUE.equals(p.getValue())) {
        return List.of();
      }
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    rows.add(new LinkedHashMap<>());
    for (View.Select select : view.selects()) {
      List<IBase> contexts =
          select.forEach() == null ? List.of(resource) : evaluate(resource, select.forEach());
      List<Map<String, Object>> combined = new ArrayList<>();
      for (Map<String, Object> row : rows) {
        if (contexts.isEmpty() && select.orNull()) {
          Map<String, Object> extended = new LinkedHashMap<>(row);
          select.columns().forEach(c -> extended.put(c.name(), null));
          combined.add(extended);
        }
        for (IBase context : contexts) {
          Map<String, Object> extended = new LinkedHashMap<>(row);
          for (View.Column column : select.columns()) {
            extended.put(column.name(), value(view, column, resource, context));
          }
          combined.add(extended);
        }
      }
      rows = combined;
    }
    return rows;
  }

  private Object value(View view, View.Column column, IBaseResource resource, IBase context) {
    String path = column.path();
    if ("getResourceKey()".equals(path)) {
      return resource.getIdElement().getIdPart();
    }
    Matcher reference = REFERENCE_KEY.matcher(path);
    List<IBase> found = evaluate(context, reference.matches() ? reference.group(1) : path);
    if (column.collection()) {
      return collection(view, column, found);
    }
    if (found.size() > 1) {
      throw new IllegalStateException(
          "View %s, column %s: %d values for %s (the view must pick one)"
              .formatted(view.name(), column.name(), found.size(), resource.getIdElement()));
    }
    if (found.isEmpty()) {
      return null;
    }
    IBase one = found.get(0);
    if (reference.matches()) {
      return referenceKey(one, reference.group(2));
    }
    if (!(one instanceof IPrimitiveType<?> primitive)) {
      throw new IllegalStateException(
          "View %s, column %s: '%s' is not a primitive value"
              .formatted(view.name(), column.name(), path));
    }
    if (column.isBoolean()) {
      return primitive.getValue() == null ? null : Boolean.valueOf(primitive.getValueAsString());
    }
    return primitive.getValueAsString();
  }

  private static String collection(View view, View.Column column, List<IBase> found) {
    if (found.isEmpty()) {
      return null;
    }
    List<String> values = new ArrayList<>(found.size());
    for (IBase one : found) {
      if (!(one instanceof IPrimitiveType<?> primitive)) {
        throw new IllegalStateException(
            "View %s, column %s: '%s' is not a collection of primitive values"
                .formatted(view.name(), column.name(), column.path()));
      }
      values.add(primitive.getValueAsString());
    }
    return JsonLists.write(values);
  }

  private static String referenceKey(IBase reference, String type) {
    if (!(reference instanceof Reference ref) || !ref.hasReference()) {
      return null;
    }
    IIdType id = ref.getReferenceElement();
    if (!id.hasIdPart() || (!type.isEmpty() && !type.equals(id.getResourceType()))) {
      return null;
    }
    return id.getIdPart();
  }

  private List<IBase> evaluate(IBase context, String expression) {
    IParsedExpression compiled =
        parsed.computeIfAbsent(
            expression,
            e -> {
              try {
                return engine.get().parse(e);
              } catch (Exception ex) {
                throw new IllegalStateException("Not a FHIRPath expression: " + e, ex);
              }
            });
    return engine.get().evaluate(context, compiled, IBase.class);
  }
}
