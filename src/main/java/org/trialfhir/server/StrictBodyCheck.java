package org.trialfhir.server;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Checks a request body for what HAPI's parsers accept but cannot map, so that it would be stored
 * without the data instead of refused. HAPI's {@code StrictErrorHandler} never hears of these:
 *
 * <ul>
 *   <li>JSON: HAPI's Jackson mapper enables {@code ALLOW_SINGLE_QUOTES} and leading '+' signs, and
 *       reads a tree in which a repeated property silently replaces the earlier one. FHIR JSON is
 *       RFC 8259 JSON with each property once.
 *   <li>XML: HAPI's XML parser ignores character data between elements (so {@code
 *       <gender>male</gender>} is an empty element) and never looks at namespaces (so any
 *       namespace, or none, is read as FHIR). FHIR XML is in {@code http://hl7.org/fhir}, values in
 *       {@code value} attributes; only the narrative is XHTML.
 *   <li>Either: numbers a decimal cannot hold as a double (the search index stores one), and lone
 *       UTF-16 surrogates ({@code "\ud800"}), which no UTF-8 database column can store.
 * </ul>
 *
 * Each problem is a 400 that names the element. Malformed XML is left to HAPI, which names it.
 */
public final class StrictBodyCheck {

  static final String FHIR_NS = "http://hl7.org/fhir";
  static final String XHTML_NS = "http://www.w3.org/1999/xhtml";

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .build();

  private static final XMLInputFactory XML = xmlFactory();

  private StrictBodyCheck() {}

  /**
   * Checks a JSON body and returns the {@code resourceType} of its root object (null if it has
   * none, or the root is not an object, e.g. a JSON Patch array).
   */
  public static String checkJson(byte[] body) {
    JsonPath path = new JsonPath();
    try (JsonParser parser = JSON.createParser(body)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        switch (token) {
          case START_OBJECT, START_ARRAY -> path.open(token == JsonToken.START_ARRAY);
          case END_OBJECT, END_ARRAY -> path.close();
          case FIELD_NAME -> {
            path.name(parser.currentName());
            requireWellFormed(parser.currentName(), path.toString(), true);
          }
          default -> {
            path.value();
            if (token == JsonToken.VALUE_STRING) {
              if (path.atRootProperty("resourceType")) {
                path.rootType = parser.getText();
              }
              requireWellFormed(parser.getText(), path.toString(), false);
            } else if (token == JsonToken.VALUE_NUMBER_INT
                || token == JsonToken.VALUE_NUMBER_FLOAT) {
              requireRepresentable(parser.getText(), path.toString());
            }
          }
        }
      }
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new InvalidRequestException(
          "Failed to parse the JSON body at "
              + where(e, path)
              + (at == null
                  ? ""
                  : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
              + ": "
              + e.getOriginalMessage()
              + ". FHIR JSON is strict JSON: names and strings in double quotes, each property"
              + " once");
    } catch (IOException e) {
      throw new InvalidRequestException("Failed to read the request body: " + e.getMessage());
    }
    return path.rootType;
  }

  /**
   * Where a syntax error is: Jackson reads a property name together with the start of its value, so
   * its own context names the property whose value is bad, which our path may not have yet.
   */
  private static String where(JsonProcessingException e, JsonPath path) {
    if (e.getProcessor() instanceof JsonParser parser) {
      StringBuilder text = new StringBuilder(path.rootType == null ? "$" : path.rootType);
      for (String step : parser.getParsingContext().pathAsPointer().toString().split("/")) {
        if (step.isEmpty()) {
          continue;
        }
        text.append(step.chars().allMatch(Character::isDigit) ? "[" + step + "]" : "." + step);
      }
      return text.toString();
    }
    return path.toString();
  }

  /** Where a JSON parser is, as a FHIR path: {@code Patient.name[0].family}. */
  private static final class JsonPath {
    /** Per open object: its current property; per open array: the index of its current item. */
    private final Deque<Object[]> frames = new ArrayDeque<>();

    String rootType;

    void open(boolean array) {
      value(); // an object or array is a value of its parent
      frames.push(new Object[] {array, array ? -1 : null});
    }

    void close() {
      frames.pop();
    }

    void name(String name) {
      frames.peek()[1] = name;
    }

    /** A value starts: in an array it is the next item. */
    void value() {
      Object[] top = frames.peek();
      if (top != null && (Boolean) top[0]) {
        top[1] = (Integer) top[1] + 1;
      }
    }

    boolean atRootProperty(String name) {
      return frames.size() == 1 && name.equals(frames.peek()[1]);
    }

    @Override
    public String toString() {
      StringBuilder text = new StringBuilder(rootType == null ? "$" : rootType);
      for (Iterator<Object[]> i = frames.descendingIterator(); i.hasNext(); ) {
        Object[] frame = i.next();
        if ((Boolean) frame[0]) {
          text.append('[').append(Math.max(0, (Integer) frame[1])).append(']');
        } else if (frame[1] != null) {
          text.append('.').append(frame[1]);
        }
      }
      return text.toString();
    }
  }

  /**
   * Checks a FHIR XML body and returns the name of its root element (null if it is not well-formed,
   * which HAPI then reports).
   */
  static String checkFhirXml(byte[] body) {
    Deque<String> path = new ArrayDeque<>();
    String root = null;
    int xhtmlDepth = 0;
    XMLStreamReader reader = null;
    try {
      reader = XML.createXMLStreamReader(new ByteArrayInputStream(body));
      while (reader.hasNext()) {
        int event = reader.next();
        switch (event) {
          case XMLStreamConstants.START_ELEMENT -> {
            String name = reader.getLocalName();
            String namespace = reader.getNamespaceURI();
            if (xhtmlDepth > 0) {
              xhtmlDepth++;
              continue;
            }
            if (root == null) {
              root = name;
            }
            path.addLast(name);
            if (XHTML_NS.equals(namespace) && "div".equals(name) && path.size() > 1) {
              xhtmlDepth = 1; // a narrative: its content is XHTML, checked by validation
              continue;
            }
            if (!FHIR_NS.equals(namespace)) {
              throw new InvalidRequestException(
                  "Element <"
                      + name
                      + "> at "
                      + String.join(".", path)
                      + (namespace == null || namespace.isEmpty()
                          ? " has no namespace"
                          : " is in namespace '" + namespace + "'")
                      + ": FHIR XML elements belong to the namespace "
                      + FHIR_NS
                      + " (xmlns=\""
                      + FHIR_NS
                      + "\" on the root element)");
            }
            for (int i = 0; i < reader.getAttributeCount(); i++) {
              requireWellFormed(reader.getAttributeValue(i), String.join(".", path), false);
            }
          }
          case XMLStreamConstants.END_ELEMENT -> {
            if (xhtmlDepth > 0) {
              xhtmlDepth--;
              if (xhtmlDepth > 0) {
                continue;
              }
            }
            path.pollLast();
          }
          case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> {
            if (xhtmlDepth == 0 && !path.isEmpty() && !reader.isWhiteSpace()) {
              String text = reader.getText().strip();
              if (!text.isEmpty()) {
                String name = path.peekLast();
                throw new InvalidRequestException(
                    "Element <"
                        + name
                        + "> at "
                        + String.join(".", path)
                        + " has text content '"
                        + abbreviate(text)
                        + "': FHIR XML carries values in the value attribute, e.g. <"
                        + name
                        + " value=\""
                        + abbreviate(text)
                        + "\"/>");
              }
            }
          }
          default -> {
            // comments, processing instructions, the XML declaration
          }
        }
      }
    } catch (XMLStreamException e) {
      return null; // not well-formed: HAPI's parser reports it with its own message
    } finally {
      if (reader != null) {
        try {
          reader.close();
        } catch (XMLStreamException ignored) {
          // nothing held
        }
      }
    }
    return root;
  }

  /**
   * A decimal the server can index: finite as a double, and not so small that it would become 0.
   */
  static void requireRepresentable(String number, String where) {
    BigDecimal value;
    try {
      value = new BigDecimal(number);
    } catch (NumberFormatException e) {
      return; // not a JSON number token; the parser reports it
    }
    if (value.signum() == 0) {
      return;
    }
    BigDecimal magnitude = value.abs();
    if (magnitude.compareTo(MAX) > 0 || magnitude.compareTo(MIN) < 0) {
      throw new InvalidRequestException(
          "The number "
              + abbreviate(number)
              + " at "
              + where
              + " is outside the range this server can store (about 1e-307 to 1.8e308 in"
              + " magnitude)");
    }
  }

  private static final BigDecimal MAX = new BigDecimal(Double.MAX_VALUE);
  private static final BigDecimal MIN = BigDecimal.valueOf(Double.MIN_NORMAL);

  /** Names the first lone surrogate in a string value or a property name. */
  private static void requireWellFormed(String text, String where, boolean propertyName) {
    int bad = loneSurrogate(text);
    if (bad >= 0) {
      throw new InvalidRequestException(
          (propertyName ? "The property name" : "The value")
              + " at "
              + where
              + " contains a lone UTF-16 surrogate (\\u"
              + String.format("%04x", (int) text.charAt(bad))
              + " at character "
              + bad
              + "), which is not a Unicode character");
    }
  }

  /** The index of the first unpaired surrogate, or -1. */
  static int loneSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        return i;
      }
      if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static String abbreviate(String text) {
    String printable = text.replaceAll("\\p{Cntrl}", "?");
    return printable.length() <= 40 ? printable : printable.substring(0, 37) + "...";
  }

  private static XMLInputFactory xmlFactory() {
    XMLInputFactory factory = XMLInputFactory.newFactory();
    // No DTDs, no external entities: this reader only looks at names and text.
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
    factory.setProperty(XMLInputFactory.IS_COALESCING, true);
    return factory;
  }
}
