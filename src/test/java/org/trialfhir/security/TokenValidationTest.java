package org.trialfhir.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * The development issuer's tokens are checked like an IdP's: iss must be the configured fixed
 * issuer (a token minted with iss taken from a forged Host header, or from anywhere else, is
 * refused) and aud must name this server.
 */
class TokenValidationTest {

  private static final KeyPair KEYS = keys();

  private static SecurityProperties development(String audience) {
    return new SecurityProperties(
        true,
        "",
        "",
        "",
        audience,
        "roles",
        "patient",
        "organization",
        new SecurityProperties.Roles(
            "coordinator",
            "investigator",
            "unblinded",
            "registry",
            "ehr-system",
            "auditor",
            "administrator"),
        List.of("ResearchStudy"),
        List.of(),
        1024,
        false,
        "",
        "",
        Map.of(),
        Map.of(),
        new SecurityProperties.PageClient("coordinator-page", "user/*.cruds", ""),
        "http://dev-issuer.example:8080");
  }

  private static JwtDecoder decoder(SecurityProperties properties) {
    return SecurityConfig.withValidators(
        NimbusJwtDecoder.withPublicKey((RSAPublicKey) KEYS.getPublic()).build(), properties);
  }

  @Test
  void theDevIssuersOwnTokensPass() {
    JwtDecoder decoder = decoder(development(""));
    assertThat(
            decoder
                .decode(token("http://dev-issuer.example:8080", SecurityProperties.DEV_AUDIENCE))
                .getSubject())
        .isEqualTo("someone");
    JwtDecoder configured = decoder(development("https://trials.example/fhir"));
    configured.decode(token("http://dev-issuer.example:8080", "https://trials.example/fhir"));
  }

  @Test
  void aForeignIssuerOrAMissingOrWrongAudienceIsRefused() {
    JwtDecoder decoder = decoder(development(""));
    for (String token :
        List.of(
            token("http://evil.example", SecurityProperties.DEV_AUDIENCE),
            token("http://localhost:8080", SecurityProperties.DEV_AUDIENCE),
            token(null, SecurityProperties.DEV_AUDIENCE),
            token("http://dev-issuer.example:8080", "another-service"),
            token("http://dev-issuer.example:8080", null))) {
      assertThatThrownBy(() -> decoder.decode(token)).isInstanceOf(JwtValidationException.class);
    }
  }

  private static String token(String issuer, String audience) {
    try {
      JWTClaimsSet.Builder claims =
          new JWTClaimsSet.Builder()
              .subject("someone")
              .expirationTime(Date.from(Instant.now().plusSeconds(600)));
      if (issuer != null) {
        claims.issuer(issuer);
      }
      if (audience != null) {
        claims.audience(audience);
      }
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims.build());
      jwt.sign(new RSASSASigner(KEYS.getPrivate()));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
