package org.trialfhir.subscription;

import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code trialfhir.subscriptions.*}: R4 Subscriptions (HAPI's rest-hook channel) that let a
 * coordinator's worklist or an EHR inbox hear of new Tasks; docs/watch.md.
 *
 * @param enabled false: Subscriptions are stored but never matched nor delivered
 * @param restHookEndpoints the only addresses a rest-hook may call: each an absolute http(s) URL,
 *     and an endpoint must start with one of them (none: no rest-hook can be created, so the server
 *     is never made to call an address an administrator did not list)
 * @param resourceTypes the resource types a Subscription's criteria may name
 */
@Validated
@ConfigurationProperties("trialfhir.subscriptions")
record SubscriptionProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue @NotNull List<String> restHookEndpoints,
    @DefaultValue("Task") @NotEmpty List<String> resourceTypes) {

  SubscriptionProperties {
    for (String endpoint : restHookEndpoints) {
      URI uri;
      try {
        uri = URI.create(endpoint);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "trialfhir.subscriptions.rest-hook-endpoints: '" + endpoint + "' is not a URL");
      }
      if (!uri.isAbsolute()
          || uri.getHost() == null
          || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
        throw new IllegalArgumentException(
            "trialfhir.subscriptions.rest-hook-endpoints: '"
                + endpoint
                + "' must be an absolute http(s) URL with a host");
      }
    }
  }

  /**
   * The endpoints allowed, as one regular expression for HAPI's rest-hook validator: an endpoint is
   * a listed address, or continues it after a '/', '?' or '#' (so {@code https://inbox.example}
   * never admits {@code https://inbox.example.evil}).
   */
  String endpointPattern() {
    if (restHookEndpoints.isEmpty()) {
      return "(?!)";
    }
    return restHookEndpoints.stream()
        .map(e -> Pattern.quote(e) + (e.endsWith("/") ? ".*" : "(?:[/?#].*)?"))
        .collect(Collectors.joining("|", "(?:", ")"));
  }
}
