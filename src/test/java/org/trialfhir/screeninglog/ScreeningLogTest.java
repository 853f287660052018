package org.trialfhir.screeninglog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.ResearchSubject.ResearchSubjectStatus;
import org.junit.jupiter.api.Test;

class ScreeningLogTest {

  private static ResearchSubject version(int version, String status, String updated) {
    ResearchSubject subject = new ResearchSubject();
    subject.setId("ResearchSubject/s1/_history/" + version);
    subject.setStatus(ResearchSubjectStatus.fromCode(status));
    subject.getMeta().setLastUpdated(Date.from(Instant.parse(updated)));
    return subject;
  }

  @Test
  void aSubjectWithoutProvenanceIsLoggedWhenItTookItsStatusNotWhenLastWritten() {
    ResearchSubject v1 = version(1, "candidate", "2026-12-01T09:00:00Z");
    ResearchSubject v2 = version(2, "screening", "2026-12-02T09:00:00Z");
    ResearchSubject v3 = version(3, "screening", "2026-12-05T09:00:00Z");
    ResearchSubject v4 = version(4, "screening", "2026-12-07T09:00:00Z");
    assertThat(ScreeningLog.since(v4, List.of(v4, v3, v2, v1)))
        .isEqualTo(Instant.parse("2026-12-02T09:00:00Z"));
    assertThat(ScreeningLog.since(v4, List.of(v1, v2, v3, v4)))
        .as("in any order")
        .isEqualTo(Instant.parse("2026-12-02T09:00:00Z"));
    assertThat(ScreeningLog.since(v1, List.of(v1)))
        .isEqualTo(Instant.parse("2026-12-01T09:00:00Z"));
    assertThat(ScreeningLog.since(v4, List.of()))
        .as("no history readable: the current version")
        .isEqualTo(Instant.parse("2026-12-07T09:00:00Z"));
  }

  @Test
  void theLatestRunOfTheStatusCounts() {
    ResearchSubject v1 = version(1, "screening", "2026-12-01T09:00:00Z");
    ResearchSubject v2 = version(2, "eligible", "2026-12-02T09:00:00Z");
    ResearchSubject v3 = version(3, "ineligible", "2026-12-03T09:00:00Z");
    ResearchSubject v4 = version(4, "ineligible", "2026-12-04T09:00:00Z");
    assertThat(ScreeningLog.since(v4, List.of(v1, v2, v3, v4)))
        .isEqualTo(Instant.parse("2026-12-03T09:00:00Z"));
  }
}
