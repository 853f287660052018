package org.trialfhir.cds;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the JWT a CDS client (an EHR) signs for each call, as CDS Hooks 2.0 asks: signed with
 * ES384 or RS384 by a key of a trusted issuer's JWK Set ({@code kid}; a {@code jku} header only
 * when it is that issuer's configured address), {@code aud} the URL being called, {@code exp} in
 * the future and at most five minutes away, {@code sub} the client id this server gave that EHR,
 * {@code iat} and {@code jti} present, and each {@code jti} used once (kept until its token
 * expires, so a captured call cannot be replayed).
 */
final class EhrJwtVerifier {

  static final Duration MAX_LIFETIME = Duration.ofMinutes(5);
  private static final Duration SKEW = Duration.ofSeconds(30);
  private static final Set<JWSAlgorithm> ALGORITHMS =
      Set.of(JWSAlgorithm.ES384, JWSAlgorithm.RS384);

  /** A JWT that verified: who signed it and who it names. */
  record Verified(CdsProperties.Issuer issuer, String subject) {}

  /** Why a JWT was refused; the message is safe to show the client. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  private final Map<String, Trusted> issuers = new HashMap<>();

  /**
   * Every jti seen, until no token carrying it can still be valid (lifetime plus the skew allowed
   * on both ends). Per node: a JWT captured on the way to one node could be replayed once at
   * another node within those minutes (docs/cds-hooks.md says so).
   */
  private final Cache<String, Boolean> seen =
      Caffeine.newBuilder()
          .expireAfterWrite(MAX_LIFETIME.plus(SKEW).plus(SKEW))
          .maximumSize(1_000_000)
          .build();

  private final Clock clock;

  private record Trusted(CdsProperties.Issuer config, JWKSource<SecurityContext> keys) {}

  EhrJwtVerifier(List<CdsProperties.Issuer> trusted, Clock clock) {
    this.clock = clock;
    for (CdsProperties.Issuer issuer : trusted) {
      issuers.put(issuer.issuer(), new Trusted(issuer, keys(issuer)));
    }
  }

  boolean hasIssuers() {
    return !issuers.isEmpty();
  }

  /**
   * @param token the compact JWT from {@code Authorization: Bearer}
   * @param audience the URL the client called, which {@code aud} must name
   */
  Verified verify(String token, String audience) throws Refused {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw new Refused("The Authorization header does not hold a signed JWT");
    }
    String iss;
    try {
      iss = jwt.getJWTClaimsSet().getIssuer();
    } catch (ParseException e) {
      throw new Refused("The JWT's claims cannot be read");
    }
    Trusted trusted = iss == null ? null : issuers.get(iss);
    if (trusted == null) {
      throw new Refused("The JWT's issuer is not a trusted CDS client of this server");
    }
    URI jku = jwt.getHeader().getJWKURL();
    if (jku != null && !jku.toString().equals(trusted.config().jwksUrl())) {
      throw new Refused("The JWT's jku is not the key set configured for its issuer");
    }
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, trusted.keys()));
    DefaultJWTClaimsVerifier<SecurityContext> claimsCheck =
        new DefaultJWTClaimsVerifier<>(
            // mutable sets: Nimbus asks them whether they contain null, which Set.of refuses
            new HashSet<>(List.of(audience)),
            new JWTClaimsSet.Builder().issuer(iss).subject(trusted.config().clientId()).build(),
            new HashSet<>(List.of("iss", "sub", "aud", "exp", "iat", "jti")),
            new HashSet<>());
    claimsCheck.setMaxClockSkew((int) SKEW.toSeconds());
    processor.setJWTClaimsSetVerifier(claimsCheck);
    JWTClaimsSet claims;
    try {
      claims = processor.process(jwt, null);
    } catch (BadJOSEException e) {
      // about the token itself (signature, audience, expiry, a claim): safe to say
      throw new Refused("The JWT was refused: " + e.getMessage());
    } catch (JOSEException e) {
      // the EHR's key set could not be had or used: the detail is ours to log, not to tell
      throw new Refused("The JWT's signature could not be checked against its issuer's keys");
    }
    Instant now = clock.instant();
    Instant expires = claims.getExpirationTime().toInstant();
    if (expires.isAfter(now.plus(MAX_LIFETIME).plus(SKEW))) {
      throw new Refused("The JWT expires more than five minutes from now");
    }
    if (seen.asMap().putIfAbsent(iss + " " + claims.getJWTID(), Boolean.TRUE) != null) {
      throw new Refused("The JWT's jti was used before: each call needs a new JWT");
    }
    return new Verified(trusted.config(), claims.getSubject());
  }

  private static JWKSource<SecurityContext> keys(CdsProperties.Issuer issuer) {
    if (issuer.jwks() != null && !issuer.jwks().isBlank()) {
      try {
        return new ImmutableJWKSet<>(JWKSet.parse(issuer.jwks()));
      } catch (ParseException e) {
        throw new IllegalArgumentException(
            "trialfhir.cds.issuers: the jwks of " + issuer.issuer() + " is not a JWK Set", e);
      }
    }
    try {
      // Fetched at the first call and cached (and refreshed) by Nimbus, so the server starts while
      // the EHR's key server is down.
      return JWKSourceBuilder.create(URI.create(issuer.jwksUrl()).toURL()).build();
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "trialfhir.cds.issuers: the jwks-url of " + issuer.issuer() + " is not a URL", e);
    }
  }
}
