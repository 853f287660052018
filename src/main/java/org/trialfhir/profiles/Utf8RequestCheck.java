package org.trialfhir.profiles;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.springframework.stereotype.Component;
import org.trialfhir.server.RestInterceptor;

/**
 * A request body that claims UTF-8 (FHIR's only JSON encoding, and XML's default) must be UTF-8:
 * the parser would otherwise turn each invalid byte into U+FFFD and store text the sender never
 * wrote. A REST-side interceptor: it sees the bytes, which the storage layer never does.
 */
@Interceptor
@Component
public final class Utf8RequestCheck implements RestInterceptor {

  @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
  public boolean check(RequestDetails request) {
    String contentType = request.getHeader("Content-Type");
    if (contentType == null || !declaresUtf8OrNothing(contentType)) {
      return true;
    }
    String type = contentType.toLowerCase(Locale.ROOT);
    if (!type.contains("json") && !type.contains("xml")) {
      return true;
    }
    byte[] body = request.loadRequestContents();
    if (body == null || body.length == 0) {
      return true;
    }
    if (type.contains("xml") && declaresOtherXmlEncoding(body)) {
      return true;
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body));
    } catch (CharacterCodingException e) {
      String message =
          "The request body is not valid UTF-8 (" + e.getMessage() + "); nothing was stored";
      OperationOutcome outcome = new OperationOutcome();
      outcome
          .addIssue()
          .setSeverity(IssueSeverity.ERROR)
          .setCode(IssueType.STRUCTURE)
          .setDiagnostics(message);
      throw new InvalidRequestException(message, outcome);
    }
    return true;
  }

  private static boolean declaresUtf8OrNothing(String contentType) {
    int charset = contentType.toLowerCase(Locale.ROOT).indexOf("charset=");
    if (charset < 0) {
      return true;
    }
    String name = contentType.substring(charset + 8).replace("\"", "").split(";")[0].trim();
    return name.equalsIgnoreCase("utf-8") || name.equalsIgnoreCase("utf8");
  }

  /** An XML declaration naming an encoding other than UTF-8. */
  private static boolean declaresOtherXmlEncoding(byte[] body) {
    String head =
        new String(body, 0, Math.min(body.length, 200), StandardCharsets.ISO_8859_1)
            .toLowerCase(Locale.ROOT);
    int encoding = head.startsWith("<?xml") ? head.indexOf("encoding=") : -1;
    if (encoding < 0) {
      return false;
    }
    String rest = head.substring(encoding + 9).replace("\"", "").replace("'", "");
    return !rest.startsWith("utf-8") && !rest.startsWith("utf8");
  }
}
