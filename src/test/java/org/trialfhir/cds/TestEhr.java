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
import java.util.UUID;

/** An EHR as a CDS client: its key (ES384) and the JWTs it signs for each call. */
public final class TestEhr {

  public static final String ISSUER = "https://ehr.example.org";
  private static final ECKey KEY = generate();

  private TestEhr() {}

  /** The EHR's public key set, as configured in trialfhir.cds.issuers. */
  public static String jwks() {
    return new JWKSet(KEY.toPublicJWK()).toString();
  }

  /** A fresh JWT for a call to {@code audience}, valid for a minute. */
  public static String jwt(String audience) {
    return sign(
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .subject("ehr-client")
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
