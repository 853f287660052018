package org.trialfhir.eligibility;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.RestInterceptor;

/**
 * {@code $eligibility}'s {@code patient} is a Reference; clients written when it was a string POST
 * {@code valueString "Patient/123"}, which HAPI would refuse for a Reference parameter. Their body
 * is read as if it said {@code valueReference}, before HAPI binds the parameters, so that both
 * forms reach the provider as one type (the OperationDefinition says so). GET needs nothing: a
 * query parameter is a string either way.
 */
@Component
@Interceptor
class PatientStringForm implements RestInterceptor {

  private final FhirContext fhir;

  PatientStringForm(FhirContext fhir) {
    this.fhir = fhir;
  }

  /** Before HAPI binds the operation's parameters (PRE_HANDLED comes after: too late). */
  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean rewrite(RequestDetails request) {
    if (request.getRequestType() != RequestTypeEnum.POST
        || !"$eligibility".equals(request.getOperation())) {
      return true;
    }
    String contentType = request.getHeader("Content-Type");
    EncodingEnum encoding = contentType == null ? null : EncodingEnum.forContentType(contentType);
    if (encoding == null) {
      return true; // HAPI answers an unknown body type itself
    }
    byte[] body = request.loadRequestContents();
    Parameters parameters;
    try {
      parameters =
          encoding
              .newParser(fhir)
              .parseResource(Parameters.class, new String(body, StandardCharsets.UTF_8));
    } catch (DataFormatException | ClassCastException e) {
      return true; // not a Parameters body: HAPI refuses it with its own 400
    }
    boolean changed = false;
    for (Parameters.ParametersParameterComponent parameter : parameters.getParameter()) {
      if ("patient".equals(parameter.getName()) && parameter.getValue() instanceof StringType s) {
        parameter.setValue(new Reference(s.getValue()));
        changed = true;
      }
    }
    if (changed) {
      request.setRequestContents(
          encoding
              .newParser(fhir)
              .encodeResourceToString(parameters)
              .getBytes(StandardCharsets.UTF_8));
    }
    return true;
  }
}
