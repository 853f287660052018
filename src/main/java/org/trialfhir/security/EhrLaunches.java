package org.trialfhir.security;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SMART EHR launch contexts of the development issuer. A launch id is opaque (256 random bits),
 * short-lived, bound to the OAuth client it was minted for and to the user signed in at the EHR,
 * and used once: the authorisation request that presents it (with the user signed in) redeems it,
 * and the token request of that authorisation takes its context, after which the id is spent (kept
 * until it would have expired, so that a second use is told why it is refused).
 */
final class EhrLaunches {

  /**
   * What the EHR knew when it launched the app.
   *
   * @param clientId the app the launch is for
   * @param user the user signed in at the EHR, who must be the one who authorises
   * @param patient the patient in context (a Patient id)
   * @param encounter the encounter in context, or null
   * @param study the ResearchStudy the user launched from (SMART v2 fhirContext), or null
   * @param appContext the CDS Hooks card's appContext, passed through as is, or null
   */
  record Context(
      String clientId,
      String user,
      String patient,
      String encounter,
      String study,
      String appContext) {

    Context {
      Objects.requireNonNull(clientId, "clientId");
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(patient, "patient");
    }
  }

  /** Why a launch id is refused; the message says it in words for the OAuth error description. */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  /** Made, authorised with, or spent on a token; a spent id is kept until it expires, to say so. */
  private enum Stage {
    MINTED,
    REDEEMED,
    SPENT
  }

  private record Entry(Context context, Instant expires, Stage stage) {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Duration ttl;
  private final int capacity;
  private final Clock clock;

  EhrLaunches(Duration ttl, int capacity, Clock clock) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("the launch lifetime must be positive: " + ttl);
    }
    this.ttl = ttl;
    this.capacity = capacity;
    this.clock = clock;
  }

  /** A new launch id for this context. */
  String mint(Context context) {
    purgeExpired();
    if (entries.size() >= capacity) {
      // Bounded: a loop minting launches cannot exhaust the heap of a development server.
      throw new Refused("too many pending EHR launches; try again in " + ttl.toMinutes() + " min");
    }
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    entries.put(id, new Entry(context, clock.instant().plus(ttl), Stage.MINTED));
    return id;
  }

  /**
   * Checks a launch presented at the authorisation endpoint before the user has signed in: known,
   * not yet used, not expired, for this client. Nothing is consumed.
   */
  void check(String launch, String clientId) {
    pending(launch, clientId);
  }

  /**
   * The signed-in user authorises with this launch: it must have been minted for this client and
   * this user; it cannot be presented again.
   */
  Context redeem(String launch, String clientId, String user) {
    Entry entry = pending(launch, clientId);
    if (!entry.context().user().equals(user)) {
      throw new Refused("the launch was made for another user");
    }
    Entry redeemed = new Entry(entry.context(), entry.expires(), Stage.REDEEMED);
    if (!entries.replace(launch, entry, redeemed)) {
      throw new Refused("the launch has already been used");
    }
    return entry.context();
  }

  /** The context for the token of the authorisation that redeemed the launch; then it is gone. */
  Context take(String launch, String clientId, String user) {
    Entry entry = launch == null ? null : entries.get(launch);
    if (entry == null || entry.stage() == Stage.MINTED) {
      throw new Refused("the launch was not authorised");
    }
    if (entry.stage() == Stage.SPENT) {
      throw new Refused("the launch has already been used");
    }
    if (expired(entry)) {
      throw new Refused("the launch has expired");
    }
    if (!entry.context().clientId().equals(clientId) || !entry.context().user().equals(user)) {
      throw new Refused("the launch belongs to another client or user");
    }
    if (!entries.replace(launch, entry, new Entry(entry.context(), entry.expires(), Stage.SPENT))) {
      throw new Refused("the launch has already been used");
    }
    return entry.context();
  }

  private Entry pending(String launch, String clientId) {
    Entry entry = launch == null ? null : entries.get(launch);
    if (entry == null) {
      throw new Refused("unknown launch");
    }
    if (entry.stage() != Stage.MINTED) {
      throw new Refused("the launch has already been used");
    }
    if (expired(entry)) {
      entries.remove(launch, entry);
      throw new Refused("the launch has expired");
    }
    if (!entry.context().clientId().equals(clientId)) {
      throw new Refused("the launch was made for another client");
    }
    return entry;
  }

  private boolean expired(Entry entry) {
    return !clock.instant().isBefore(entry.expires());
  }

  private void purgeExpired() {
    entries.values().removeIf(this::expired);
  }
}
