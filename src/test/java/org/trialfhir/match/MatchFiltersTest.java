package org.trialfhir.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

class MatchFiltersTest {

  @Test
  void defaultsToActiveStudies() {
    MatchFilters filters = MatchFilters.of(new Bundle(), null, null, null, null);
    assertThat(filters.recruitmentStatus()).isEqualTo("active");
    assertThat(filters.phase()).isNull();
    assertThat(filters.zipCode()).isNull();
  }

  @Test
  void readsTheEnginesParametersEntryAndTheOperationsParametersWin() {
    Bundle bundle = new Bundle();
    Parameters inBundle = new Parameters();
    inBundle.addParameter().setName("recruitmentStatus").setValue(new StringType("completed"));
    inBundle.addParameter().setName("phase").setValue(new StringType("phase-1"));
    inBundle.addParameter().setName("zipCode").setValue(new StringType("01730"));
    bundle.addEntry().setResource(inBundle);
    MatchFilters filters = MatchFilters.of(bundle, null, "25", "phase-2", null);
    assertThat(filters.recruitmentStatus()).isEqualTo("completed");
    assertThat(filters.phase()).isEqualTo("phase-2");
    assertThat(filters.zipCode()).isEqualTo("01730");
    assertThat(filters.travelRadius()).isEqualTo("25");
  }

  @Test
  void refusesAStatusThatIsNoResearchStudyStatus() {
    assertThatThrownBy(() -> MatchFilters.of(new Bundle(), null, null, null, "recruiting"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("recruitmentStatus");
  }
}
