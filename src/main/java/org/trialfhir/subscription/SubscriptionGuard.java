package org.trialfhir.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.subscription.SubscriptionConstants;
import java.util.List;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Subscription;
import org.hl7.fhir.r4.model.Subscription.SubscriptionChannelType;
import org.springframework.stereotype.Component;
import org.trialfhir.security.CurrentCaller;
import org.trialfhir.security.SecurityProperties;
import org.trialfhir.server.FhirInterceptor;

/**
 * What a Subscription may be here, checked on every write of one (a storage rule, so transactions
 * and imports are held to it too), before HAPI's own validation:
 *
 * <ul>
 *   <li>a rest-hook to an endpoint an administrator listed: the server never calls an address a
 *       client chose;
 *   <li>without payload: a notification says only "something you follow changed", and the listener
 *       reads it with its own token, so authorisation and blinding apply to what it learns;
 *   <li>on a resource type the server allows ({@code Task} by default) that its owner may read and
 *       search in full.
 * </ul>
 *
 * It also spares every other write the cost of HAPI's subscription pipeline: only Subscriptions and
 * the allowed types are handed to the matcher.
 */
@Component
@Interceptor
class SubscriptionGuard implements FhirInterceptor {

  static final String HIDDEN = "(hidden)";

  private final SubscriptionProperties properties;
  private final SecurityProperties security;
  private final FhirContext fhir;
  private final Pattern endpoints;

  SubscriptionGuard(
      SubscriptionProperties properties, SecurityProperties security, FhirContext fhir) {
    this.properties = properties;
    this.security = security;
    this.fhir = fhir;
    this.endpoints = Pattern.compile(properties.endpointPattern());
  }

  @Hook(
      value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED,
      order = SubscriptionConstants.ORDER_SUBSCRIPTION_VALIDATING - 1)
  public void created(IBaseResource resource, RequestDetails request) {
    check(resource, request);
  }

  @Hook(
      value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED,
      order = SubscriptionConstants.ORDER_SUBSCRIPTION_VALIDATING - 1)
  public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    if (previous instanceof Subscription before && resource instanceof Subscription after) {
      keepHiddenHeaders(before, after);
    }
    check(resource, request);
  }

  /**
   * A listener's secret in {@code channel.header} is shown to nobody: readers see the header's name
   * with its value hidden (HAPI's own loading, as the server, sees it).
   */
  @Hook(Pointcut.STORAGE_PRESHOW_RESOURCES)
  public void shown(IPreResourceShowDetails details, RequestDetails request) {
    if (request instanceof SystemRequestDetails) {
      return;
    }
    for (int i = 0; i < details.size(); i++) {
      if (details.getResource(i) instanceof Subscription subscription
          && subscription.getChannel().hasHeader()) {
        Subscription shown = subscription.copy();
        List<StringType> headers = shown.getChannel().getHeader();
        for (StringType header : headers) {
          header.setValue(name(header.getValue()) + ": " + HIDDEN);
        }
        details.setResource(i, shown);
      }
    }
  }

  /** An update that sends back a hidden header keeps the stored value. */
  private static void keepHiddenHeaders(Subscription before, Subscription after) {
    for (StringType header : after.getChannel().getHeader()) {
      String value = header.getValue();
      if (value != null && value.endsWith(": " + HIDDEN)) {
        for (StringType stored : before.getChannel().getHeader()) {
          if (name(stored.getValue()).equalsIgnoreCase(name(value))) {
            header.setValue(stored.getValue());
          }
        }
      }
    }
  }

  private static String name(String header) {
    int colon = header == null ? -1 : header.indexOf(':');
    return colon < 0 ? String.valueOf(header).trim() : header.substring(0, colon).trim();
  }

  /** False stops HAPI from queuing the write for matching: no Subscription can match it. */
  @Hook(Pointcut.SUBSCRIPTION_RESOURCE_MODIFIED)
  public boolean modified(ResourceModifiedMessage message) {
    String type = message.getResourceType(fhir);
    return "Subscription".equals(type) || properties.resourceTypes().contains(type);
  }

  private void check(IBaseResource resource, RequestDetails request) {
    if (!(resource instanceof Subscription subscription)) {
      return;
    }
    var channel = subscription.getChannel();
    if (channel.getType() != SubscriptionChannelType.RESTHOOK) {
      throw new UnprocessableEntityException(
          "Subscription.channel.type must be 'rest-hook' on this server (was '"
              + (channel.hasType() ? channel.getType().toCode() : "")
              + "')");
    }
    if (channel.hasPayload()) {
      throw new UnprocessableEntityException(
          "Subscription.channel.payload must be absent: notifications here carry no resource; the"
              + " listener reads what changed with its own token, so its rights and blinding apply");
    }
    String endpoint = channel.getEndpoint();
    if (endpoint == null || !endpoints.matcher(endpoint).matches()) {
      throw new UnprocessableEntityException(
          "Subscription.channel.endpoint '"
              + endpoint
              + "' is not an address this server may call: an administrator lists them in"
              + " trialfhir.subscriptions.rest-hook-endpoints");
    }
    for (StringType header : channel.getHeader()) {
      if (!"Authorization".equalsIgnoreCase(name(header.getValue()))) {
        throw new UnprocessableEntityException(
            "Subscription.channel.header may only carry 'Authorization' (was '"
                + name(header.getValue())
                + "'): other headers could steer the call elsewhere");
      }
    }
    String criteria = subscription.getCriteria();
    String type = criteria == null ? "" : criteria.split("[?/]", 2)[0].trim();
    if (!properties.resourceTypes().contains(type)) {
      throw new UnprocessableEntityException(
          "Subscription.criteria '"
              + criteria
              + "' must be a search on "
              + String.join(" or ", properties.resourceTypes())
              + " on this server");
    }
    // Matching runs as the server: a chain or _has would let criteria ask about other resources
    // (an allocation, an audit trail) that the author may not read.
    String query = criteria.contains("?") ? criteria.substring(criteria.indexOf('?') + 1) : "";
    for (String pair : query.split("&")) {
      String name = pair.split("=", 2)[0];
      if (name.startsWith("_has") || name.contains(".")) {
        throw new UnprocessableEntityException(
            "Subscription.criteria may only use the "
                + type
                + "'s own search parameters, not a chain or _has ('"
                + name
                + "')");
      }
    }
    // The server's own upkeep (HAPI activating a Subscription) has no caller to check.
    if (!(request instanceof SystemRequestDetails) && !CurrentCaller.readsAll(security, type)) {
      throw new ForbiddenOperationException(
          "A Subscription on "
              + type
              + " needs the right to read and search every "
              + type
              + " (its notifications tell of any that match)");
    }
  }
}
