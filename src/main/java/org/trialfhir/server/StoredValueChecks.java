package org.trialfhir.server;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.util.IModelVisitor2;
import ca.uhn.fhir.util.UrlUtil;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.springframework.stereotype.Component;

/**
 * Storage-side checks of what HAPI parses but cannot store, for every write however it arrives
 * (REST, transaction and batch entries, PATCH results, operations): decimals outside the range of
 * the double the search index keeps (1e400 failed the insert with a 500), strings with a lone
 * UTF-16 surrogate (failed the UTF-8 encoding of the stored resource with a 500), and transaction
 * and batch entries whose {@code request.ifMatch} is not a version ETag (a 500 parsing it as a
 * number).
 *
 * <p>A storage interceptor: its hooks are storage pointcuts, so it belongs on the JPA registry.
 */
@Component
@Interceptor
public class StoredValueChecks implements FhirInterceptor {

  private final FhirContext fhir;
  private final RequestLimitsProperties limits;

  StoredValueChecks(FhirContext fhir, RequestLimitsProperties limits) {
    this.fhir = fhir;
    this.limits = limits;
  }

  /**
   * Public: HAPI invokes hooks reflectively. Before validation (order 0): a value no store can hold
   * is the first thing to name, and it is cheap to find.
   */
  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = -20)
  public void checkCreated(IBaseResource resource) {
    checkValues(resource);
  }

  @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = -20)
  public void checkUpdated(IBaseResource previous, IBaseResource resource) {
    checkValues(resource);
  }

  /**
   * A transaction is checked whole before anything is written; HAPI hands each batch entry to this
   * hook again as a one-entry transaction, so a bad batch entry fails alone, with its own 400.
   */
  @Hook(Pointcut.STORAGE_TRANSACTION_PROCESSING)
  public void checkTransaction(IBaseBundle bundle) {
    if (!(bundle instanceof Bundle r4) || r4.getType() == Bundle.BundleType.BATCH) {
      return; // a batch: its entries come here one by one
    }
    List<BundleEntryComponent> entries = r4.getEntry();
    for (int i = 0; i < entries.size(); i++) {
      BundleEntryComponent entry = entries.get(i);
      if (!entry.hasRequest()) {
        continue;
      }
      String where =
          "Bundle.entry"
              + (entries.size() > 1 ? "[" + i + "]" : "")
              + " ("
              + entry.getRequest().getMethod()
              + " "
              + RequestChecksInterceptor.printable(entry.getRequest().getUrl())
              + ") request.";
      String url = entry.getRequest().getUrl();
      int query = url == null ? -1 : url.indexOf('?');
      if (query >= 0) {
        try {
          RequestChecksInterceptor.checkQuery(
              UrlUtil.parseQueryString(url.substring(query + 1)), fhir.getResourceTypes(), limits);
        } catch (InvalidRequestException e) {
          throw new InvalidRequestException(where + "url: " + e.getMessage());
        }
      }
      String ifMatch = entry.getRequest().getIfMatch();
      if (ifMatch != null && !RequestChecksInterceptor.isVersionEtag(ifMatch)) {
        throw RequestChecksInterceptor.notAnEtag(where + "ifMatch", ifMatch);
      }
      String ifNoneMatch = entry.getRequest().getIfNoneMatch();
      if (ifNoneMatch != null
          && !"*".equals(ifNoneMatch.trim())
          && !RequestChecksInterceptor.isVersionEtag(ifNoneMatch)) {
        throw RequestChecksInterceptor.notAnEtag(where + "ifNoneMatch", ifNoneMatch);
      }
    }
  }

  private void checkValues(IBaseResource resource) {
    if (resource == null) {
      return;
    }
    fhir.newTerser()
        .visit(
            resource,
            new IModelVisitor2() {
              @Override
              public boolean acceptElement(
                  IBase element,
                  List<IBase> containing,
                  List<BaseRuntimeChildDefinition> children,
                  List<BaseRuntimeElementDefinition<?>> definitions) {
                if (element instanceof IPrimitiveType<?> primitive && !primitive.isEmpty()) {
                  check(primitive, () -> describe(resource, containing, children));
                }
                return true;
              }
            });
  }

  private static void check(IPrimitiveType<?> primitive, Supplier<String> where) {
    if (primitive.getValue() instanceof BigDecimal decimal) {
      StrictBodyCheck.requireRepresentable(decimal.toString(), where.get());
    }
    String text = primitive.getValueAsString();
    if (text != null) {
      int bad = StrictBodyCheck.loneSurrogate(text);
      if (bad >= 0) {
        throw new InvalidRequestException(
            "The value at "
                + where.get()
                + " contains a lone UTF-16 surrogate (character "
                + bad
                + "), which is not a Unicode character");
      }
    }
  }

  /** The element's path, with choice elements by their typed name: Observation.valueQuantity. */
  private static String describe(
      IBaseResource resource, List<IBase> containing, List<BaseRuntimeChildDefinition> children) {
    StringBuilder path = new StringBuilder(resource.fhirType());
    for (int i = 0; i < children.size(); i++) {
      BaseRuntimeChildDefinition child = children.get(i);
      String name = child.getElementName();
      IBase value = i + 1 < containing.size() ? containing.get(i + 1) : null;
      if (value != null && child.getValidChildNames().size() > 1) {
        String typed = child.getChildNameByDatatype(value.getClass());
        if (typed != null) {
          name = typed;
        }
      }
      path.append('.').append(name);
    }
    return path.toString();
  }
}
