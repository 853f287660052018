package org.trialfhir;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Signs the JWTs tests send, with an RSA key pair made for this test run; the server trusts its
 * public key ({@code trialfhir.security.public-key-location}) as it would an IdP's.
 */
public final class TestTokens {

  /** The iss of every test token; the test server expects it (trialfhir.security.issuer-uri). */
  public static final String ISSUER = "https://idp.test.trialfhir.org";

  /** The aud of every test token; the test server expects it (trialfhir.security.audience). */
  public static final String AUDIENCE = "https://trialfhir.test/fhir";

  /**
   * Every role that grants something, every resource: what the tests of features other than
   * security act as. Not ehr-system, which confines writes to one organisation's patients.
   */
  public static final List<String> ALL_ROLES =
      List.of("coordinator", "investigator", "unblinded", "registry", "auditor", "administrator");

  private static final KeyPair KEYS = generate();
  private static final Path PUBLIC_KEY = writePublicKey();
  private static final String ADMIN = token("system/*.cruds", ALL_ROLES, null);

  private TestTokens() {}

  /** A file URL of the PEM public key, for the server's configuration. */
  public static String publicKeyLocation() {
    return PUBLIC_KEY.toUri().toString();
  }

  public static String admin() {
    return ADMIN;
  }

  /** A token with these space-separated scopes, roles and (nullable) patient in context. */
  public static String token(String scopes, List<String> roles, String patient) {
    return token(scopes, roles, patient, Map.of());
  }

  /** The same, with more claims (e.g. an EHR's organisation) or other values for the usual ones. */
  public static String token(
      String scopes, List<String> roles, String patient, Map<String, Object> more) {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .subject("user-" + UUID.randomUUID().toString().substring(0, 8))
            .claim("client_id", "test-client")
            .claim("scope", scopes)
            .claim("roles", roles)
            .issueTime(new Date())
            .expirationTime(Date.from(Instant.now().plusSeconds(3600)));
    if (patient != null) {
      claims.claim("patient", patient);
    }
    more.forEach(claims::claim);
    return sign(claims.build());
  }

  /** A token of this key that expired an hour ago. */
  public static String expired() {
    return sign(
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .subject("late")
            .claim("scope", "system/*.cruds")
            .expirationTime(Date.from(Instant.now().minusSeconds(3600)))
            .build());
  }

  /** A token signed by a key the server does not trust. */
  public static String foreign() {
    return sign(
        generate(),
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .subject("stranger")
            .claim("scope", "system/*.cruds")
            .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
            .build());
  }

  /**
   * A token of the trusted key with exactly these claims (nothing added: no iss or aud unless
   * given), valid for an hour, with all scopes and roles: for tests of iss and aud.
   */
  public static String exactly(Map<String, Object> claims) {
    JWTClaimsSet.Builder builder =
        new JWTClaimsSet.Builder()
            .subject("exact")
            .claim("scope", "system/*.cruds")
            .claim("roles", ALL_ROLES)
            .expirationTime(Date.from(Instant.now().plusSeconds(3600)));
    claims.forEach(builder::claim);
    return sign(builder.build());
  }

  public static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  private static String sign(JWTClaimsSet claims) {
    return sign(KEYS, claims);
  }

  private static String sign(KeyPair keys, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
      jwt.sign(new RSASSASigner((RSAPrivateKey) keys.getPrivate()));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path writePublicKey() {
    try {
      Path file = Files.createTempFile("trialfhir-test-key", ".pem");
      file.toFile().deleteOnExit();
      String pem =
          "-----BEGIN PUBLIC KEY-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes())
                  .encodeToString(KEYS.getPublic().getEncoded())
              + "\n-----END PUBLIC KEY-----\n";
      Files.writeString(file, pem);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
