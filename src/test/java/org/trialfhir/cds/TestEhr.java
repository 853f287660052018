package org.trialfhir.cds;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** An EHR as a CDS client: its key (ES384) and the JWTs it signs for each call. */
public final class TestEhr {

  public static final String ISSUER = "https://ehr.example.org";
  public static final String CLIENT_ID = "ehr-client";

  /** Where the EHR calls /cds-services (trialfhir.cds.base-url): the address its JWTs name. */
  public static final String BASE = "http://cds.test/cds-services";

  /** The organisation the EHR's patients belong to, and whose stored patients it may ask about. */
  public static final String ORGANIZATION = "cds-test-hospital";

  private static final ECKey KEY = generate();

  private TestEhr() {}

  /** The EHR's public key set, as configured in trialfhir.cds.issuers. */
  public static String jwks() {
    return new JWKSet(KEY.toPublicJWK()).toString();
  }

  /** The server's configuration that trusts this EHR. */
  public static Map<String, String> properties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("trialfhir.cds.base-url", BASE);
    p.put("trialfhir.cds.read-store", "true");
    p.put("trialfhir.cds.issuers[0].issuer", ISSUER);
    p.put("trialfhir.cds.issuers[0].client-id", CLIENT_ID);
    p.put("trialfhir.cds.issuers[0].jwks", jwks());
    p.put("trialfhir.cds.issuers[0].fhir-servers[0]", "https://fhir.ehr.example.org/");
    p.put("trialfhir.cds.issuers[0].identity.organization", ORGANIZATION);
    List<String> scopes =
        List.of(
            "system/ResearchStudy.rs",
            "system/Group.rs",
            "system/Patient.rs",
            "system/Condition.rs",
            "system/Observation.rs",
            "system/Consent.rs",
            "system/AllergyIntolerance.rs");
    for (int i = 0; i < scopes.size(); i++) {
      p.put("trialfhir.cds.issuers[0].identity.scopes[" + i + "]", scopes.get(i));
    }
    return p;
  }

  /** A fresh JWT for a call to {@code path} under /cds-services (e.g. "/x"), valid a minute. */
  public static String jwtFor(String path) {
    return jwt(BASE + path);
  }

  /** A fresh JWT for a call to {@code audience}, valid for a minute. */
  public static String jwt(String audience) {
    return sign(
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject(CLIENT_ID)
            .audience(audience)
            .issueTime(new Date())
            .expirationTime(Date.from(Instant.now().plusSeconds(60)))
            .jwtID(UUID.randomUUID().toString())
            .build());
  }

  static String sign(JWTClaimsSet claims) {
    return sign(claims, KEY);
  }

  static String sign(JWTClaimsSet claims, ECKey key) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.ES384).keyID(key.getKeyID()).build(), claims);
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static ECKey generate() {
    try {
      return new ECKeyGenerator(Curve.P_384).keyID("ehr-" + UUID.randomUUID()).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
