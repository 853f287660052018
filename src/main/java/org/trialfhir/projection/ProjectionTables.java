package org.trialfhir.projection;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The SQL that keeps the projection's rows. Plain JDBC on the server's data source: inside a FHIR
 * write's transaction it runs on that transaction's connection (the JPA transaction manager binds
 * it to the data source), so the rows commit or roll back with the resource.
 */
class ProjectionTables {

  private final JdbcTemplate jdbc;

  ProjectionTables(DataSource dataSource) {
    this.jdbc = new JdbcTemplate(dataSource);
  }

  JdbcTemplate jdbc() {
    return jdbc;
  }

  /** The resource's rows become these (none: the resource has no rows, e.g. it was deleted). */
  void replace(View view, String id, List<Map<String, Object>> rows) {
    delete(view, id);
    if (rows.isEmpty()) {
      return;
    }
    List<String> columns = new ArrayList<>(List.of("ID", "ROW_NO"));
    List<View.Column> viewColumns =
        view.columns().stream().filter(c -> !"id".equals(c.name())).toList();
    viewColumns.forEach(c -> columns.add(c.sqlName()));
    List<String> derived = DerivedColumns.of(view.resource());
    columns.addAll(derived);
    String sql =
        "INSERT INTO "
            + view.table()
            + " ("
            + String.join(", ", columns)
            + ") VALUES ("
            + String.join(", ", Collections.nCopies(columns.size(), "?"))
            + ")";
    List<Object[]> batch = new ArrayList<>();
    int rowNo = 0;
    for (Map<String, Object> row : rows) {
      Object[] values = new Object[columns.size()];
      values[0] = id;
      values[1] = rowNo++;
      int i = 2;
      for (View.Column column : viewColumns) {
        values[i++] = checked(view, column.name(), row.get(column.name()));
      }
      Map<String, Object> computed = DerivedColumns.compute(view.resource(), row);
      for (String column : derived) {
        values[i++] = checked(view, column, computed.get(column));
      }
      batch.add(values);
    }
    jdbc.batchUpdate(
        sql,
        new org.springframework.jdbc.core.BatchPreparedStatementSetter() {
          @Override
          public void setValues(PreparedStatement statement, int n) throws SQLException {
            Object[] values = batch.get(n);
            for (int c = 0; c < values.length; c++) {
              bind(statement, c + 1, values[c]);
            }
          }

          @Override
          public int getBatchSize() {
            return batch.size();
          }
        });
  }

  void delete(View view, String id) {
    jdbc.update("DELETE FROM " + view.table() + " WHERE ID = ?", id);
  }

  void clear(View view) {
    jdbc.update("DELETE FROM " + view.table());
  }

  /**
   * Every row of the view's table as the view's columns (lower case) → value, in id and row order;
   * the derived columns are left out (they are not the view's).
   */
  List<Map<String, Object>> rows(View view) {
    List<String> columns = view.columns().stream().map(View.Column::sqlName).toList();
    return jdbc.query(
        "SELECT " + String.join(", ", columns) + " FROM " + view.table() + " ORDER BY ID, ROW_NO",
        (rs, n) -> {
          Map<String, Object> row = new LinkedHashMap<>();
          for (View.Column column : view.columns()) {
            Object value =
                column.isBoolean()
                    ? (Object) rs.getObject(column.sqlName(), Boolean.class)
                    : rs.getString(column.sqlName());
            row.put(column.name(), value);
          }
          return row;
        });
  }

  String version(String name) {
    List<String> found =
        jdbc.queryForList(
            "SELECT VERSION FROM " + ProjectionSchema.STATE_TABLE + " WHERE NAME = ?",
            String.class,
            name);
    return found.isEmpty() ? null : found.get(0);
  }

  void setVersion(String name, String version) {
    if (jdbc.update(
            "UPDATE " + ProjectionSchema.STATE_TABLE + " SET VERSION = ? WHERE NAME = ?",
            version,
            name)
        == 0) {
      jdbc.update(
          "INSERT INTO " + ProjectionSchema.STATE_TABLE + " (NAME, VERSION) VALUES (?, ?)",
          name,
          version);
    }
  }

  /**
   * A value longer than its column would be cut, and a cut code matches the wrong criterion: the
   * write is refused instead, saying why.
   */
  private static Object checked(View view, String column, Object value) {
    String sqlName = column.toUpperCase(java.util.Locale.ROOT);
    if (ProjectionSchema.UNBOUNDED.contains(sqlName)) {
      return value;
    }
    int width =
        ProjectionSchema.WIDE.contains(sqlName) ? ProjectionSchema.TEXT : ProjectionSchema.ID;
    if (value instanceof String text && text.length() > width) {
      throw new UnprocessableEntityException(
          "%s: %s is longer than the eligibility projection holds (%d characters)"
              .formatted(view.resource(), column, width));
    }
    return value;
  }

  private static void bind(PreparedStatement statement, int index, Object value)
      throws SQLException {
    if (value == null) {
      // Untyped, so that PostgreSQL takes it for a boolean or number column as well.
      statement.setObject(index, null);
    } else if (value instanceof Boolean b) {
      statement.setBoolean(index, b);
    } else if (value instanceof Double d) {
      statement.setDouble(index, d);
    } else if (value instanceof Integer i) {
      statement.setInt(index, i);
    } else if (value instanceof Long l) {
      statement.setLong(index, l);
    } else {
      statement.setString(index, value.toString());
    }
  }
}
