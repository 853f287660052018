package org.trialfhir.projection;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.IDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The projection's rows for one resource: what its type's view computes, kept in the table of that
 * view. Resource types without a view have no rows.
 */
class Projection {

  private final FhirContext fhirContext;
  private final Views views;
  private final ViewRunner runner;
  private final ProjectionTables tables;

  Projection(FhirContext fhirContext, Views views, ProjectionTables tables) {
    this.fhirContext = fhirContext;
    this.views = views;
    this.runner = new ViewRunner(fhirContext);
    this.tables = tables;
  }

  void store(IBaseResource resource) {
    views
        .forResource(fhirContext.getResourceType(resource))
        .ifPresent(view -> tables.replace(view, idOf(resource), compute(view, resource)));
  }

  void remove(IBaseResource resource) {
    views
        .forResource(fhirContext.getResourceType(resource))
        .ifPresent(view -> tables.delete(view, idOf(resource)));
  }

  /**
   * What the view computes from this resource now (for the rebuild and the agreement check), each
   * row also carrying the resource's key in the database (see {@link DerivedColumns#RESOURCE_PID}).
   */
  List<Map<String, Object>> compute(View view, IBaseResource resource) {
    List<Map<String, Object>> rows = runner.rows(view, resource);
    JpaPid pid = IDao.RESOURCE_PID.get(resource);
    if (pid != null) {
      rows.forEach(row -> row.put(DerivedColumns.RESOURCE_PID, pid.getId()));
    }
    return rows;
  }

  Views views() {
    return views;
  }

  ProjectionTables tables() {
    return tables;
  }

  private static String idOf(IBaseResource resource) {
    return resource.getIdElement().getIdPart();
  }
}
