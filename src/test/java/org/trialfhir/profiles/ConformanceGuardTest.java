package org.trialfhir.profiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;
import org.hl7.fhir.r4.model.SearchParameter;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.Test;

class ConformanceGuardTest {

  private final ConformanceGuard guard = new ConformanceGuard(FhirContext.forR4Cached());

  private static SearchParameter searchParameter(String code, String base, String expression) {
    SearchParameter parameter = new SearchParameter();
    parameter.setUrl("http://example.org/fhir/SearchParameter/" + code);
    parameter.setCode(code).setExpression(expression).setType(SearchParamType.STRING);
    parameter.addBase(base);
    return parameter;
  }

  @Test
  void aSearchParameterMustReadItsOwnBase() {
    assertThat(guard.problems(searchParameter("nick", "Patient", "Organization.name")))
        .singleElement()
        .asString()
        .contains("reads Organization, which is not among its bases [Patient]");
    assertThat(
            guard.problems(
                searchParameter("nick", "Patient", "Patient.name.given | Organization.alias")))
        .hasSize(1);
    assertThat(guard.problems(searchParameter("nick", "Patient", "(Patient.name).given")))
        .isEmpty();
    assertThat(guard.problems(searchParameter("tagged", "Resource", "Resource.meta.tag")))
        .isEmpty();
  }

  @Test
  void aSearchParameterMustNotReplaceABuiltInOne() {
    assertThat(guard.problems(searchParameter("name", "Patient", "Patient.name.family")))
        .singleElement()
        .asString()
        .contains("would replace a search parameter of the FHIR specification");
    assertThat(guard.problems(searchParameter("_id", "Resource", "Resource.id"))).isNotEmpty();
    assertThat(guard.problems(searchParameter("nickname", "Patient", "Patient.name.given")))
        .isEmpty();
  }

  @Test
  void reservedCanonicalsAreRefusedToClientsButNotToTheServersInstaller() {
    StructureDefinition core = new StructureDefinition();
    core.setUrl("http://hl7.org/fhir/StructureDefinition/Patient");
    ServletRequestDetails client = new ServletRequestDetails();
    assertThatThrownBy(() -> guard.created(core, client))
        .isInstanceOf(ForbiddenOperationException.class)
        .hasMessageContaining("belongs to the FHIR specification");
    CodeSystem ours = new CodeSystem();
    ours.setUrl(ProjectPackage.CANONICAL_BASE + "/CodeSystem/trial-lab");
    assertThatThrownBy(
            () -> guard.updated(new CodeSystem().setUrl("http://example.org/x"), ours, client))
        .hasMessageContaining("this server's FHIR package");
    assertThatThrownBy(
            () -> guard.updated(ours, new CodeSystem().setUrl("http://example.org/x"), client))
        .as("overwriting ours with another URL")
        .isInstanceOf(ForbiddenOperationException.class);
    assertThatThrownBy(() -> guard.deleted(ours, client))
        .isInstanceOf(ForbiddenOperationException.class);
    assertThatCode(() -> guard.created(ours, new SystemRequestDetails()))
        .doesNotThrowAnyException();
    assertThatCode(() -> guard.created(new CodeSystem().setUrl("http://example.org/cs"), client))
        .doesNotThrowAnyException();
  }
}
