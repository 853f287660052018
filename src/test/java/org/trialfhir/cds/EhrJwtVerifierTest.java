package org.trialfhir.cds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EhrJwtVerifierTest {

  private static final String AUD = "https://trials.example.org/cds-services/trialfhir-trial-match";

  private final EhrJwtVerifier verifier =
      new EhrJwtVerifier(
          List.of(
              new CdsProperties.Issuer(
                  TestEhr.ISSUER,
                  TestEhr.CLIENT_ID,
                  null,
                  TestEhr.jwks(),
                  List.of(),
                  new CdsProperties.Identity(List.of("system/ResearchStudy.rs"), List.of(), null))),
          Clock.systemUTC());

  private static JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .issuer(TestEhr.ISSUER)
        .subject(TestEhr.CLIENT_ID)
        .audience(AUD)
        .issueTime(new Date())
        .expirationTime(Date.from(Instant.now().plusSeconds(60)))
        .jwtID(UUID.randomUUID().toString());
  }

  @Test
  void aJwtSignedByTheTrustedEhrForThisUrlIsAccepted() throws Exception {
    EhrJwtVerifier.Verified verified = verifier.verify(TestEhr.sign(claims().build()), AUD);
    assertThat(verified.subject()).isEqualTo("ehr-client");
    assertThat(verified.issuer().issuer()).isEqualTo(TestEhr.ISSUER);
  }

  @Test
  void theSameJwtTwiceIsAReplay() throws Exception {
    String jwt = TestEhr.sign(claims().build());
    verifier.verify(jwt, AUD);
    assertThatThrownBy(() -> verifier.verify(jwt, AUD)).hasMessageContaining("jti");
  }

  @Test
  void aJwtForAnotherUrlIsRefused() {
    String jwt = TestEhr.sign(claims().audience("https://elsewhere.example.org/cds").build());
    assertThatThrownBy(() -> verifier.verify(jwt, AUD)).isInstanceOf(EhrJwtVerifier.Refused.class);
  }

  @Test
  void anExpiredOrTooLongLivedJwtIsRefused() {
    String expired =
        TestEhr.sign(claims().expirationTime(Date.from(Instant.now().minusSeconds(600))).build());
    assertThatThrownBy(() -> verifier.verify(expired, AUD))
        .isInstanceOf(EhrJwtVerifier.Refused.class);
    String forAnHour =
        TestEhr.sign(claims().expirationTime(Date.from(Instant.now().plusSeconds(3600))).build());
    assertThatThrownBy(() -> verifier.verify(forAnHour, AUD)).hasMessageContaining("five minutes");
  }

  @Test
  void aJwtNamingAnotherClientIsRefused() {
    String jwt = TestEhr.sign(claims().subject("someone-else").build());
    assertThatThrownBy(() -> verifier.verify(jwt, AUD)).isInstanceOf(EhrJwtVerifier.Refused.class);
  }

  @Test
  void aJwtWithoutJtiIsRefused() {
    String jwt = TestEhr.sign(claims().jwtID(null).build());
    assertThatThrownBy(() -> verifier.verify(jwt, AUD)).isInstanceOf(EhrJwtVerifier.Refused.class);
  }

  @Test
  void anotherIssuerOrAnotherKeyIsRefused() {
    String stranger = TestEhr.sign(claims().issuer("https://stranger.example.org").build());
    assertThatThrownBy(() -> verifier.verify(stranger, AUD)).hasMessageContaining("not a trusted");
    ECKey otherKey = TestEhr.generate();
    String forged = TestEhr.sign(claims().build(), otherKey);
    assertThatThrownBy(() -> verifier.verify(forged, AUD))
        .isInstanceOf(EhrJwtVerifier.Refused.class);
  }

  @Test
  void unsignedAndSharedSecretJwtsAreRefused() throws Exception {
    String plain = new PlainJWT(claims().build()).serialize();
    assertThatThrownBy(() -> verifier.verify(plain, AUD))
        .isInstanceOf(EhrJwtVerifier.Refused.class);
    SignedJWT hmac = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims().build());
    hmac.sign(new MACSigner(new byte[32]));
    assertThatThrownBy(() -> verifier.verify(hmac.serialize(), AUD))
        .isInstanceOf(EhrJwtVerifier.Refused.class);
  }

  @Test
  void aJkuOtherThanTheConfiguredKeySetIsRefused() throws Exception {
    ECKey key = TestEhr.generate();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES384)
                .keyID(key.getKeyID())
                .jwkURL(java.net.URI.create("https://attacker.example.org/jwks"))
                .build(),
            claims().build());
    jwt.sign(new com.nimbusds.jose.crypto.ECDSASigner(key));
    assertThatThrownBy(() -> verifier.verify(jwt.serialize(), AUD)).hasMessageContaining("jku");
  }
}
