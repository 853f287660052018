package org.trialfhir.ctgov;

import static org.trialfhir.ctgov.CtgovJson.array;
import static org.trialfhir.ctgov.CtgovJson.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.ContactDetail;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;

/**
 * contactsLocationsModule: the first principal investigator, other officials and central contacts
 * as contacts, and each site as a Location referenced from {@code ResearchStudy.site}.
 */
final class ContactsReader {

  private ContactsReader() {}

  /** The sites' Locations, in the registry's order. */
  static List<Location> read(JsonNode contacts, String nct, String studyId, ResearchStudy study) {
    for (JsonNode official : array(contacts, "overallOfficials")) {
      String name = text(official, "name", null);
      if (name != null
          && "PRINCIPAL_INVESTIGATOR".equals(text(official, "role", null))
          && !study.hasPrincipalInvestigator()) {
        study.setPrincipalInvestigator(new Reference().setDisplay(name + affiliation(official)));
      } else if (name != null) {
        study.addContact(
            new ContactDetail()
                .setName(
                    name
                        + " ("
                        + text(official, "role", "official")
                        + ")"
                        + affiliation(official)));
      }
    }
    for (JsonNode contact : array(contacts, "centralContacts")) {
      ContactDetail detail = study.addContact().setName(text(contact, "name", "Central contact"));
      if (text(contact, "phone", null) != null) {
        detail
            .addTelecom()
            .setSystem(ContactPoint.ContactPointSystem.PHONE)
            .setValue(text(contact, "phone", null));
      }
      if (text(contact, "email", null) != null) {
        detail
            .addTelecom()
            .setSystem(ContactPoint.ContactPointSystem.EMAIL)
            .setValue(text(contact, "email", null));
      }
    }
    List<Location> locations = new ArrayList<>();
    int index = 0;
    for (JsonNode site : array(contacts, "locations")) {
      Location location = location(studyId + "-site-" + (++index), nct, site);
      locations.add(location);
      study.addSite(
          new Reference("Location/" + location.getIdPart()).setDisplay(location.getName()));
    }
    return locations;
  }

  private static Location location(String id, String nct, JsonNode site) {
    Location location = new Location();
    location.setId(id);
    location.addIdentifier().setSystem(CtgovStudyMapper.BASE + "ctgov-site").setValue(id);
    location.setName(text(site, "facility", text(site, "city", "Site")));
    location.setStatus(Location.LocationStatus.ACTIVE);
    Address address = new Address();
    if (text(site, "city", null) != null) {
      address.setCity(text(site, "city", null));
    }
    if (text(site, "state", null) != null) {
      address.setState(text(site, "state", null));
    }
    if (text(site, "zip", null) != null) {
      address.setPostalCode(text(site, "zip", null));
    }
    if (text(site, "country", null) != null) {
      address.setCountry(text(site, "country", null));
    }
    if (!address.isEmpty()) {
      location.setAddress(address);
    }
    JsonNode geo = site.path("geoPoint");
    if (geo.path("lat").isNumber() && geo.path("lon").isNumber()) {
      location
          .getPosition()
          .setLatitude(geo.path("lat").decimalValue())
          .setLongitude(geo.path("lon").decimalValue());
    }
    if (text(site, "status", null) != null) {
      location.setDescription(
          "Recruitment status at this site (" + nct + "): " + text(site, "status", null));
    }
    return location;
  }

  private static String affiliation(JsonNode official) {
    String affiliation = text(official, "affiliation", null);
    return affiliation == null ? "" : ", " + affiliation;
  }
}
