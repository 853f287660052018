package org.trialfhir.watch;

import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The last verdict this server saw for each patient and watched study, and the criteria that did
 * not pass then: what a new evaluation is compared with to know whether something changed for the
 * better. A table of its own (one row per patient and study), not a FHIR resource: it is the
 * watcher's memory, derived and never shown; losing it only makes the next evaluation of each
 * patient count as a first one.
 */
final class WatchStates {

  /** A verdict and the ids of the criteria that did not pass, sorted. */
  record State(String verdict, List<String> notPassing) {
    String notPassingText() {
      return String.join(" ", notPassing);
    }
  }

  private final JdbcTemplate jdbc;

  WatchStates(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(dataSource);
    try {
      jdbc.execute(
          "CREATE TABLE IF NOT EXISTS TRIALFHIR_WATCH_STATE (PATIENT_ID VARCHAR(64) NOT NULL,"
              + " STUDY_ID VARCHAR(64) NOT NULL, VERDICT VARCHAR(32) NOT NULL, NOT_PASSING"
              + " VARCHAR(4000), PRIMARY KEY (PATIENT_ID, STUDY_ID))");
    } catch (DataAccessException e) {
      // Two PostgreSQL nodes starting together can both pass IF NOT EXISTS and one then fails on
      // the catalogue's unique key: the table is there all the same, which this read proves.
      jdbc.queryForObject("SELECT COUNT(*) FROM TRIALFHIR_WATCH_STATE WHERE 1 = 0", Long.class);
    }
  }

  Optional<State> get(String patient, String study) {
    return jdbc
        .query(
            "SELECT VERDICT, NOT_PASSING FROM TRIALFHIR_WATCH_STATE WHERE PATIENT_ID = ? AND"
                + " STUDY_ID = ?",
            (rs, i) ->
                new State(
                    rs.getString(1),
                    rs.getString(2) == null || rs.getString(2).isBlank()
                        ? List.of()
                        : List.of(rs.getString(2).split(" "))),
            patient,
            study)
        .stream()
        .findFirst();
  }

  void put(String patient, String study, State state) {
    int updated =
        jdbc.update(
            "UPDATE TRIALFHIR_WATCH_STATE SET VERDICT = ?, NOT_PASSING = ? WHERE PATIENT_ID = ? AND"
                + " STUDY_ID = ?",
            state.verdict(),
            state.notPassingText(),
            patient,
            study);
    if (updated == 0) {
      try {
        jdbc.update(
            "INSERT INTO TRIALFHIR_WATCH_STATE (PATIENT_ID, STUDY_ID, VERDICT, NOT_PASSING)"
                + " VALUES (?, ?, ?, ?)",
            patient,
            study,
            state.verdict(),
            state.notPassingText());
      } catch (DuplicateKeyException e) {
        // another node inserted it meanwhile: its state is as new as ours
      }
    }
  }
}
