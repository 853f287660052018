package org.trialfhir.watch;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.google.common.util.concurrent.RateLimiter;
import jakarta.annotation.PreDestroy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;
import org.trialfhir.eligibility.EligibilityService;
import org.trialfhir.server.InternalSearch;

/**
 * Screening that runs itself: each patient whose record changed ({@link RecordWrites}) is evaluated
 * again, off the request thread, against every watched recruiting study; when that is news for the
 * study's coordinators ({@link VerdictChange}) a FHIR {@code Task} is created for them (status
 * {@code requested}, focus the study, for the patient, the verdicts and the criteria now passing in
 * {@code input}), once per change: the Task's identifier is a digest of the change, created only if
 * none exists.
 *
 * <p>As the server: nobody asked for this work (the writer asked for its write, and may not read
 * the studies), as for the projection's upkeep. The Task carries no allocation, and it is stored
 * and read through the same rules as any resource (validation, audit; reading it needs Task scopes,
 * and the blinding rules apply to it as to every resource).
 */
@Component
@ConditionalOnProperty(name = "trialfhir.watch.enabled", matchIfMissing = true)
class Rescreening {

  static final String IDENTIFIER_SYSTEM = "http://trialfhir.org/fhir/NamingSystem/watch-change";
  static final String CANDIDATE_TASKS =
      "http://trialfhir.org/fhir/StructureDefinition/candidate-tasks";
  private static final Logger log = LoggerFactory.getLogger(Rescreening.class);

  private final EligibilityService eligibility;
  private final DaoRegistry daos;
  private final WatchProperties properties;
  private final WatchStates states;
  private final LinkedBlockingQueue<String> queue;
  private final Set<String> waiting = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();
  private final RateLimiter limiter;
  private final Thread worker;

  Rescreening(
      EligibilityService eligibility,
      DaoRegistry daos,
      WatchProperties properties,
      DataSource dataSource) {
    this.eligibility = eligibility;
    this.daos = daos;
    this.properties = properties;
    this.states = new WatchStates(dataSource);
    this.queue = new LinkedBlockingQueue<>(properties.queue());
    this.limiter = RateLimiter.create(properties.perMinute() / 60.0);
    this.worker = new Thread(this::work, "trialfhir-watch");
    this.worker.setDaemon(true);
    this.worker.start();
  }

  /** Queues a patient whose record changed; never blocks the caller. */
  void submit(String patient) {
    if (!waiting.add(patient)) {
      return; // already waiting: one evaluation will see both changes
    }
    if (!queue.offer(patient)) {
      waiting.remove(patient);
      long n = dropped.incrementAndGet();
      if (n == 1 || n % 1000 == 0) {
        log.warn("Watch queue full ({}): {} change(s) not re-evaluated", properties.queue(), n);
      }
    }
  }

  /** Patients waiting (for tests and metrics). */
  int waiting() {
    return waiting.size();
  }

  @PreDestroy
  void stop() {
    worker.interrupt();
  }

  private void work() {
    while (!Thread.currentThread().isInterrupted()) {
      String patient;
      try {
        patient = queue.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (patient == null) {
        continue;
      }
      waiting.remove(patient);
      limiter.acquire();
      try {
        rescreen(patient);
      } catch (RuntimeException e) {
        log.warn("Re-evaluating Patient/{} failed", patient, e);
      }
    }
  }

  void rescreen(String patient) {
    LocalDate today = LocalDate.now();
    for (ResearchStudy study : watchedStudies()) {
      String studyId = study.getIdElement().getIdPart();
      Parameters answer;
      try {
        answer =
            eligibility.eligibility(
                study.getIdElement().toUnqualifiedVersionless(),
                "Patient/" + patient,
                today,
                new SystemRequestDetails());
      } catch (ResourceNotFoundException | ResourceGoneException e) {
        return; // the patient was deleted meanwhile
      }
      WatchStates.State now = state(answer);
      Optional<WatchStates.State> before = states.get(patient, studyId);
      Optional<VerdictChange.Change> change = VerdictChange.of(before, now);
      change.ifPresent(c -> createTask(study, patient, c, now));
      if (before.isEmpty() || !before.get().equals(now)) {
        states.put(patient, studyId, now);
      }
    }
  }

  private List<ResearchStudy> watchedStudies() {
    List<ResearchStudy> studies = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(ResearchStudy.class)
            .search(
                InternalSearch.map("status", new TokenParam("active")), new SystemRequestDetails())
            .getAllResources()) {
      ResearchStudy study = (ResearchStudy) found;
      if (wantsTasks(study)) {
        studies.add(study);
      }
    }
    return studies;
  }

  /**
   * Coordinators turn Tasks off per study, as data on the study (extension candidate-tasks =
   * false), so that it needs no restart and travels with the study.
   */
  static boolean wantsTasks(ResearchStudy study) {
    Extension setting = study.getExtensionByUrl(CANDIDATE_TASKS);
    return setting == null || !(setting.getValue() instanceof BooleanType on) || on.booleanValue();
  }

  private static WatchStates.State state(Parameters answer) {
    String verdict = answer.getParameter("verdict").getValue().primitiveValue();
    List<String> notPassing = new ArrayList<>();
    for (ParametersParameterComponent criterion : answer.getParameter()) {
      if ("criterion".equals(criterion.getName())) {
        String outcome = part(criterion, "outcome");
        if ("fail".equals(outcome) || "missing-data".equals(outcome)) {
          notPassing.add(part(criterion, "id"));
        }
      }
    }
    notPassing.sort(null);
    return new WatchStates.State(verdict, List.copyOf(notPassing));
  }

  private void createTask(
      ResearchStudy study, String patient, VerdictChange.Change change, WatchStates.State now) {
    String studyRef = "ResearchStudy/" + study.getIdElement().getIdPart();
    String digest =
        digest(studyRef + "|" + patient + "|" + now.verdict() + "|" + now.notPassingText());
    Task task = new Task();
    task.addIdentifier().setSystem(IDENTIFIER_SYSTEM).setValue(digest);
    task.setStatus(Task.TaskStatus.REQUESTED);
    task.setIntent(Task.TaskIntent.PROPOSAL);
    task.getCode().setText("Review a possible trial candidate");
    String title = study.hasTitle() ? study.getTitle() : studyRef;
    task.setDescription(
        change.now().equals(change.before())
            ? "Patient/%s: %s no longer blocking (still %s) for %s"
                .formatted(patient, String.join(", ", change.nowPassing()), change.now(), title)
            : "Patient/%s is now %s%s for %s"
                .formatted(
                    patient,
                    change.now(),
                    change.before() == null ? "" : " (was " + change.before() + ")",
                    title));
    task.setFocus(new Reference(studyRef));
    task.setFor(new Reference("Patient/" + patient));
    task.setAuthoredOn(new Date());
    task.addInput().setValue(new CodeType(change.now())).getType().setText("verdict");
    if (change.before() != null) {
      task.addInput().setValue(new CodeType(change.before())).getType().setText("verdict-before");
    }
    for (String criterion : change.nowPassing()) {
      task.addInput().setValue(new StringType(criterion)).getType().setText("now-passing");
    }
    daos.getResourceDao(Task.class)
        .create(
            task,
            "Task?identifier=" + IDENTIFIER_SYSTEM + "|" + digest,
            new SystemRequestDetails());
  }

  private static String part(ParametersParameterComponent parameter, String name) {
    for (ParametersParameterComponent part : parameter.getPart()) {
      if (name.equals(part.getName()) && part.getValue() != null) {
        return part.getValue().primitiveValue();
      }
    }
    return null;
  }

  private static String digest(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
