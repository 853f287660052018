package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;
import static org.hamcrest.Matchers.equalTo;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseExtension;
import org.hl7.fhir.instance.model.api.IBaseHasExtensions;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactDetail;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Group.GroupCharacteristicComponent;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Quantity.QuantityComparator;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UnsignedIntType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.trialfhir.IntegrationTestBase;

/**
 * ResearchStudy/$import-ctgov over HTTP: ClinicalTrials.gov API v2 records in, the resources they
 * map to read back out of the server.
 *
 * <p>The fixtures in {@code src/test/resources/ctgov/} are the real-shaped NCT06407297 record (the
 * seed study's) and four fictional records (NCT099000xx). Every test but the NCT06407297 round trip
 * imports a fixture under a fresh fictional NCT id ({@link #newNct()}), so reruns on a shared
 * database never collide. Responses are parsed with HAPI's R4 parser and asserted on the model.
 */
@Tag("persistence")
class CtgovImportIT extends IntegrationTestBase {

  private static final FhirContext FHIR = FhirContext.forR4Cached();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String NCT_SYSTEM = "http://clinicaltrials.gov";
  private static final String BASE = "http://trialfhir.org/fhir/";
  private static final String SD = BASE + "StructureDefinition/";
  private static final String CS = BASE + "CodeSystem/";
  private static final String R5 =
      "http://hl7.org/fhir/5.0/StructureDefinition/extension-ResearchStudy.";
  private static final String UCUM = "http://unitsofmeasure.org";
  private static final String PHASE_SYSTEM =
      "http://terminology.hl7.org/CodeSystem/research-study-phase";
  private static final String PURPOSE_SYSTEM =
      "http://terminology.hl7.org/CodeSystem/research-study-prim-purp-type";
  private static final String OBJECTIVE_SYSTEM =
      "http://terminology.hl7.org/CodeSystem/research-study-objective-type";
  private static final String DATE = "2026-06-15";

  private static final String SEED = "nct06407297";
  private static final String SEED_GROUP = "nct06407297-eligibility";

  /** Fictional NCT ids NCT099xxxxx: a random start per run, then one after the other. */
  private static final AtomicInteger NEXT_NCT =
      new AtomicInteger(new SecureRandom().nextInt(100_000));

  // ============================================== A. the seed study's own record (NCT06407297)

  @Test
  void theSeedStudysRecordUpdatesTheSeedStudyInPlaceAndKeepsItsAuthoredCriteria() {
    String record = resource("NCT06407297.json");
    JsonNode source = parse(record);
    JsonNode protocol = source.path("protocolSection");
    Group authoredBefore = read(Group.class, SEED_GROUP);
    assertThat(authoredBefore.getCharacteristic()).hasSize(21);

    // The seed study differs from the mapping (e.g. its sponsor), so the first import updates it.
    ImportResult first = importOne(record);
    assertThat(first.nctId()).isEqualTo("NCT06407297");
    assertThat(first.study()).isEqualTo("ResearchStudy/" + SEED);
    assertThat(first.status()).isEqualTo("updated");
    assertThat(first.outcome().getIssue())
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.getSeverity()).isEqualTo(IssueSeverity.WARNING);
              assertThat(issue.getDiagnostics()).contains(SEED_GROUP).contains("kept");
            });
    assertStudiesWithNctId("NCT06407297", 1);

    ResearchStudy study = read(ResearchStudy.class, SEED);
    assertThat(study.getMeta().getProfile())
        .extracting(p -> p.getValue())
        .containsExactly(SD + "trial-research-study");
    // Identification
    assertThat(identifiers(study))
        .contains(
            tuple(Identifier.IdentifierUse.OFFICIAL, NCT_SYSTEM, "NCT06407297", null),
            tuple(
                Identifier.IdentifierUse.SECONDARY,
                null,
                text(protocol, "identificationModule", "orgStudyIdInfo", "id"),
                "Organization study ID"));
    assertThat(study.getTitle()).isEqualTo(text(protocol, "identificationModule", "briefTitle"));
    assertThat(study.getStatus()).isEqualTo(ResearchStudy.ResearchStudyStatus.ACTIVE);
    // Conditions and description
    assertThat(study.getCondition())
        .extracting(CodeableConcept::getText)
        .containsExactly("Newly Diagnosed Type 1 Diabetes Mellitus");
    String summary = text(protocol, "descriptionModule", "briefSummary");
    String detailed = text(protocol, "descriptionModule", "detailedDescription");
    assertThat(study.getDescription()).startsWith(summary).contains(detailed);
    // Sponsor
    String sponsorName = text(protocol, "sponsorCollaboratorsModule", "leadSponsor", "name");
    assertThat(study.getSponsor().getDisplay()).isEqualTo(sponsorName);
    // The seed's sponsor Organization has the same name: it is reused, not duplicated.
    assertThat(study.getSponsor().getReference())
        .isEqualTo("Organization/naval-military-medical-university");
    Organization sponsor = read(Organization.class, idPart(study.getSponsor()));
    assertThat(sponsor.getName()).isEqualTo(sponsorName);
    // Design
    assertThat(designCodes(study))
        .containsExactlyInAnyOrder(
            "ctgov-study-type|INTERVENTIONAL",
            "ctgov-allocation|RANDOMIZED",
            "ctgov-intervention-model|PARALLEL",
            "ctgov-masking|QUADRUPLE",
            "ctgov-who-masked|PARTICIPANT",
            "ctgov-who-masked|CARE_PROVIDER",
            "ctgov-who-masked|INVESTIGATOR",
            "ctgov-who-masked|OUTCOMES_ASSESSOR");
    assertThat(study.getPrimaryPurposeType().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(tuple(PURPOSE_SYSTEM, "treatment"));
    assertThat(recruitment(study)).containsExactly(Map.entry("targetNumber", 24));
    // Arms and interventions
    assertThat(study.getArm())
        .extracting(
            ResearchStudy.ResearchStudyArmComponent::getName,
            a -> a.getType().getCodingFirstRep().getSystem(),
            a -> a.getType().getCodingFirstRep().getCode(),
            ResearchStudy.ResearchStudyArmComponent::getDescription)
        .containsExactly(
            tuple(
                "Experimental group", CS + "ctgov-arm-group-type", "EXPERIMENTAL", "Drug: UCMSCs"),
            tuple(
                "Placebo Comparator group",
                CS + "ctgov-arm-group-type",
                "PLACEBO_COMPARATOR",
                "Drug: Placebo"));
    assertThat(study.getFocus())
        .extracting(CodeableConcept::getText, f -> f.getCodingFirstRep().getCode())
        .containsExactly(tuple("UCMSCs", "DRUG"), tuple("Placebo", "DRUG"));
    // Contacts
    assertThat(study.getContact()).extracting(ContactDetail::getName).containsExactly("Hao Yin");
    // Eligibility facets on the study
    assertThat(extensionCode(study, SD + "eligibility-sex")).isEqualTo("all");
    assertThat(extensionCode(study, SD + "accepts-healthy-volunteers")).isEqualTo("true");
    assertRange(ageRange(study), "8", "a", "18", "a");
    // The people-authored Group stays the study's criteria, untouched.
    assertThat(study.getEnrollment())
        .extracting(Reference::getReference)
        .containsExactly("Group/" + SEED_GROUP);
    Group authoredAfter = read(Group.class, SEED_GROUP);
    assertThat(authoredAfter.getMeta().getVersionId())
        .isEqualTo(authoredBefore.getMeta().getVersionId());
    assertThat(authoredAfter.getCharacteristic())
        .extracting(GroupCharacteristicComponent::getId)
        .hasSize(21)
        .containsExactlyElementsOf(
            authoredBefore.getCharacteristic().stream()
                .map(GroupCharacteristicComponent::getId)
                .toList());

    // The same record again: nothing changes, not even the version.
    String version = study.getMeta().getVersionId();
    ImportResult again = importOne(record);
    assertThat(again.status()).isEqualTo("unchanged");
    assertThat(again.study()).isEqualTo("ResearchStudy/" + SEED);
    assertThat(read(ResearchStudy.class, SEED).getMeta().getVersionId()).isEqualTo(version);

    // An edited record: the same study, one version on.
    ObjectNode edited = (ObjectNode) parse(record);
    String newSummary = "Edited summary " + unique("ctgov") + ".";
    module(edited, "descriptionModule").put("briefSummary", newSummary);
    ImportResult update = importOne(write(edited));
    assertThat(update.status()).isEqualTo("updated");
    assertThat(update.study()).isEqualTo("ResearchStudy/" + SEED);
    ResearchStudy updated = read(ResearchStudy.class, SEED);
    assertThat(updated.getMeta().getVersionId()).isEqualTo(next(version));
    assertThat(updated.getDescription()).startsWith(newSummary).contains(detailed);
    assertThat(updated.getEnrollment())
        .extracting(Reference::getReference)
        .containsExactly("Group/" + SEED_GROUP);
    assertStudiesWithNctId("NCT06407297", 1);
    assertThat(read(Group.class, SEED_GROUP).getMeta().getVersionId())
        .isEqualTo(authoredBefore.getMeta().getVersionId());

    // Back to the record as the registry has it.
    assertThat(importOne(record).status()).isEqualTo("updated");
    assertThat(read(ResearchStudy.class, SEED).getDescription()).startsWith(summary);
  }

  // ====================================================== B. a new record, every field mapped

  @Test
  void aNewRecordCreatesTheStudyWithEveryMappedField() {
    String nct = newNct();
    String id = nct.toLowerCase();
    ObjectNode record = fixture("NCT09900001", nct);
    JsonNode protocol = record.path("protocolSection");

    ImportResult result = importOne(write(record));
    assertThat(result.nctId()).isEqualTo(nct);
    assertThat(result.study()).isEqualTo("ResearchStudy/" + id);
    assertThat(result.status()).isEqualTo("created");

    ResearchStudy study = read(ResearchStudy.class, id);
    assertThat(study.getIdElement().getIdPart()).isEqualTo(id);
    assertThat(identifiers(study))
        .containsExactly(
            tuple(Identifier.IdentifierUse.OFFICIAL, NCT_SYSTEM, nct, null),
            tuple(
                Identifier.IdentifierUse.SECONDARY,
                null,
                "NMH-T1D-PRESERVE-01",
                "Organization study ID"),
            tuple(Identifier.IdentifierUse.SECONDARY, null, "2025-000417-33", "EUDRACT_NUMBER"),
            tuple(Identifier.IdentifierUse.SECONDARY, null, "R01DK990001", "NIH"));
    assertThat(study.getIdentifier().get(1).getAssigner().getReference())
        .isEqualTo("Organization/org-northmoor-university-hospital");
    assertThat(study.getTitle())
        .isEqualTo("Low-Dose Verapamil and Anti-CD3 in New-Onset Type 1 Diabetes");
    assertThat(labels(study))
        .containsExactly(
            Map.entry("official-title", text(protocol, "identificationModule", "officialTitle")),
            Map.entry("acronym", "PRESERVE-T1D"));
    assertThat(study.getStatus()).isEqualTo(ResearchStudy.ResearchStudyStatus.ACTIVE);
    assertThat(study.getPhase().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(tuple(PHASE_SYSTEM, "phase-1-phase-2"));
    assertThat(study.getPeriod().getStartElement().getValueAsString()).isEqualTo("2025-09-15");
    assertThat(study.getPeriod().getEndElement().getValueAsString()).isEqualTo("2028-06-30");
    assertThat(study.getCondition())
        .extracting(CodeableConcept::getText)
        .containsExactly("Type 1 Diabetes", "Diabetes Mellitus, Type 1");
    assertThat(study.getKeyword())
        .extracting(CodeableConcept::getText)
        .containsExactly("beta-cell preservation", "C-peptide", "teplizumab-like", "new onset");
    assertThat(study.getDescription())
        .isEqualTo(
            text(protocol, "descriptionModule", "briefSummary")
                + "\n\n"
                + text(protocol, "descriptionModule", "detailedDescription"));
    assertThat(designCodes(study))
        .containsExactlyInAnyOrder(
            "ctgov-study-type|INTERVENTIONAL",
            "ctgov-allocation|RANDOMIZED",
            "ctgov-intervention-model|PARALLEL",
            "ctgov-masking|DOUBLE",
            "ctgov-who-masked|PARTICIPANT",
            "ctgov-who-masked|INVESTIGATOR");
    assertThat(study.getPrimaryPurposeType().getCodingFirstRep().getCode()).isEqualTo("treatment");
    assertThat(recruitment(study)).containsExactly(Map.entry("targetNumber", 96));

    // Sponsor and collaborators, each an Organization
    assertThat(study.getSponsor().getReference())
        .isEqualTo("Organization/org-northmoor-university-hospital");
    assertThat(study.getSponsor().getDisplay()).isEqualTo("Northmoor University Hospital");
    assertThat(study.getExtensionsByUrl(SD + "collaborator"))
        .extracting(e -> ((Reference) e.getValue()).getReference())
        .containsExactly(
            "Organization/org-juvenile-diabetes-research-consortium",
            "Organization/org-halvern-therapeutics-inc");
    Organization sponsor = read(Organization.class, "org-northmoor-university-hospital");
    assertThat(sponsor.getName()).isEqualTo("Northmoor University Hospital");
    assertThat(sponsor.getTypeFirstRep().getText()).contains("OTHER");
    assertThat(read(Organization.class, "org-juvenile-diabetes-research-consortium").getName())
        .isEqualTo("Juvenile Diabetes Research Consortium");
    Organization industry = read(Organization.class, "org-halvern-therapeutics-inc");
    assertThat(industry.getName()).isEqualTo("Halvern Therapeutics Inc.");
    assertThat(industry.getTypeFirstRep().getText()).contains("INDUSTRY");

    // Officials and central contacts
    assertThat(study.getPrincipalInvestigator().getDisplay())
        .isEqualTo("Miriam Okafor, MD PhD, Northmoor University Hospital");
    assertThat(study.getContact())
        .extracting(ContactDetail::getName, CtgovImportIT::telecoms)
        .containsExactly(
            tuple("Daniel Hess, MD (STUDY_CHAIR), Lakeside Children's Hospital", List.of()),
            tuple(
                "Priya Raman, RN",
                List.of("phone|+44 20 7946 0958", "email|preserve-t1d@northmoor.example.org")),
            tuple("Tomasz Wójcik", List.of("email|t.wojcik@northmoor.example.org")));

    // Arms, interventions, outcomes
    assertThat(study.getArm())
        .extracting(
            ResearchStudy.ResearchStudyArmComponent::getName,
            a -> a.getType().getCodingFirstRep().getCode(),
            ResearchStudy.ResearchStudyArmComponent::getDescription)
        .containsExactly(
            tuple(
                "Verapamil + anti-CD3",
                "EXPERIMENTAL",
                "Verapamil SR 120 mg daily for 12 months plus a 14-day anti-CD3 infusion course;"
                    + " Drug: Verapamil SR; Biological: Anti-CD3 monoclonal antibody"),
            tuple(
                "Verapamil + placebo",
                "PLACEBO_COMPARATOR",
                "Verapamil SR 120 mg daily for 12 months plus a 14-day placebo infusion course;"
                    + " Drug: Verapamil SR; Other: Placebo infusion"));
    assertThat(study.getFocus())
        .extracting(
            CodeableConcept::getText,
            f -> f.getCodingFirstRep().getSystem(),
            f -> f.getCodingFirstRep().getCode())
        .containsExactly(
            tuple("Verapamil SR", CS + "ctgov-intervention-type", "DRUG"),
            tuple("Anti-CD3 monoclonal antibody", CS + "ctgov-intervention-type", "BIOLOGICAL"),
            tuple("Placebo infusion", CS + "ctgov-intervention-type", "OTHER"));
    assertThat(study.getObjective())
        .extracting(
            ResearchStudy.ResearchStudyObjectiveComponent::getName,
            o -> o.getType().getCodingFirstRep().getSystem(),
            o -> o.getType().getCodingFirstRep().getCode())
        .containsExactly(
            tuple(
                "Mixed-meal stimulated C-peptide AUC (time frame: Week 52)",
                OBJECTIVE_SYSTEM,
                "primary"),
            tuple("HbA1c (time frame: Weeks 26 and 52)", OBJECTIVE_SYSTEM, "secondary"),
            tuple(
                "Daily insulin dose per kg body weight (time frame: Week 52)",
                OBJECTIVE_SYSTEM,
                "secondary"),
            tuple(
                "Time in range 70-180 mg/dL on continuous glucose monitoring"
                    + " (time frame: Weeks 12 to 52)",
                OBJECTIVE_SYSTEM,
                "exploratory"));

    // Eligibility facets on the study, and its criteria Group
    assertRange(ageRange(study), "12", "a", "45", "a");
    assertThat(extensionCode(study, SD + "eligibility-sex")).isEqualTo("all");
    assertThat(extensionCode(study, SD + "accepts-healthy-volunteers")).isEqualTo("false");
    assertThat(study.getEnrollment())
        .extracting(Reference::getReference)
        .containsExactly("Group/" + id + "-eligibility");

    // Every location a site, with its geo point where the record gives one
    assertThat(study.getSite())
        .extracting(Reference::getReference, Reference::getDisplay)
        .containsExactly(
            tuple("Location/" + id + "-site-1", "Northmoor University Hospital"),
            tuple("Location/" + id + "-site-2", "Lakeside Children's Hospital"),
            tuple("Location/" + id + "-site-3", "Clinique Universitaire des Alpes"));
    Location leeds = read(Location.class, id + "-site-1");
    assertThat(leeds.getName()).isEqualTo("Northmoor University Hospital");
    assertThat(leeds.getAddress().getCity()).isEqualTo("Leeds");
    assertThat(leeds.getAddress().getPostalCode()).isEqualTo("LS1 3EX");
    assertThat(leeds.getAddress().getCountry()).isEqualTo("United Kingdom");
    assertPosition(leeds, "53.79648", "-1.54785");
    assertThat(leeds.getDescription()).contains("RECRUITING");
    Location madison = read(Location.class, id + "-site-2");
    assertThat(madison.getAddress().getState()).isEqualTo("Wisconsin");
    assertPosition(madison, "43.07305", "-89.40123");
    Location grenoble = read(Location.class, id + "-site-3");
    assertThat(grenoble.getAddress().getCity()).isEqualTo("Grenoble");
    assertThat(grenoble.hasPosition()).as("no geoPoint, no position").isFalse();
  }

  @Test
  void aNewRecordsCriteriaAreSplitRecognisedOrLeftToAPerson() {
    String nct = newNct();
    String id = nct.toLowerCase();
    ImportResult result = importOne(write(fixture("NCT09900001", nct)));
    assertThat(result.status()).isEqualTo("created");

    Group group = read(Group.class, id + "-eligibility");
    assertThat(group.getMeta().getProfile())
        .extracting(p -> p.getValue())
        .containsExactly(SD + "trial-eligibility-group");
    assertThat(group.getType()).isEqualTo(Group.GroupType.PERSON);
    assertThat(group.getActual()).isFalse();
    assertThat(group.getCharacteristic())
        .extracting(GroupCharacteristicComponent::getId, GroupCharacteristicComponent::getExclude)
        .containsExactly(
            tuple("registry-age", false),
            tuple("registry-no-healthy-volunteers", false),
            tuple("inc-1", false),
            tuple("inc-2", false),
            tuple("inc-3", false),
            tuple("inc-4", false),
            tuple("inc-5", false),
            tuple("exc-1", true),
            tuple("exc-2", true),
            tuple("exc-3", true),
            tuple("exc-4", true));

    // Age from minimumAge / maximumAge
    GroupCharacteristicComponent age = criterion(group, "registry-age");
    assertCriterion(age, "age", "registry", "Ages 12 Years to 45 Years");
    assertRange((Range) age.getValue(), "12", "a", "45", "a");

    // Items a person has to judge, in the record's words with the registry's escapes undone
    assertManual(
        group,
        "registry-no-healthy-volunteers",
        "Healthy volunteers are not accepted: participants have the condition studied.");
    assertManual(
        group,
        "inc-5",
        "Willing to wear a continuous glucose monitor for the whole study and to keep a dosing"
            + " diary");
    assertManual(group, "exc-2", "Prior treatment with any *biologic* immunomodulator");
    assertThat(group.getCharacteristic())
        .extracting(c -> extensionCode(c, SD + "criterion-description"))
        .noneMatch(description -> description.contains("\\"));

    // Recognised: type 1 diabetes diagnosed within the past 6 months
    GroupCharacteristicComponent onset = criterion(group, "inc-1");
    assertCriterion(
        onset,
        "condition-onset",
        "machine-derived",
        "Type 1 diabetes diagnosed within the past 6 months");
    assertQuantity((Quantity) onset.getValue(), null, "6", "mo");
    assertThat(extensionCode(onset, SD + "criterion-valueset"))
        .isEqualTo(BASE + "ValueSet/type-1-diabetes");

    // Recognised: HbA1c between 7% and 10%
    GroupCharacteristicComponent hba1c = criterion(group, "inc-4");
    assertCriterion(hba1c, "observation-value", "machine-derived", "HbA1c between 7% and 10%");
    assertRange((Range) hba1c.getValue(), "7", "%", "10", "%");
    assertThat(extensionCode(hba1c, SD + "criterion-valueset")).isEqualTo(BASE + "ValueSet/hba1c");

    // Recognised: BMI \<18 or \>35 kg/m2, an exclusion: either bound, as alternatives
    GroupCharacteristicComponent bmi = criterion(group, "exc-1");
    assertCriterion(bmi, "any-of", "machine-derived", "BMI <18 or >35 kg/m2");
    assertThat(bmi.getExclude()).isTrue();
    String local = ((Reference) bmi.getValue()).getReference();
    assertThat(local).startsWith("#");
    Group parts = contained(group, local.substring(1));
    assertThat(parts.getCharacteristic())
        .extracting(
            c -> kind(c),
            c -> ((Quantity) c.getValue()).getComparator(),
            c -> ((Quantity) c.getValue()).getValue().stripTrailingZeros().toPlainString(),
            c -> ((Quantity) c.getValue()).getCode(),
            c -> ((Quantity) c.getValue()).getSystem())
        .containsExactly(
            tuple("bmi", QuantityComparator.LESS_THAN, "18", "kg/m2", UCUM),
            tuple("bmi", QuantityComparator.GREATER_THAN, "35", "kg/m2", UCUM));

    // Recognised with a part for a person: the antibodies it lists, the test it names, the
    // further reasons to exclude
    GroupCharacteristicComponent antibodies = criterion(group, "inc-2");
    assertCriterion(
        antibodies,
        "observation-positive",
        "machine-derived",
        "At least one positive islet autoantibody (GAD65, IA-2, ZnT8 or insulin autoantibody)");
    assertThat(extensionCode(antibodies, SD + "criterion-valueset"))
        .isEqualTo(BASE + "ValueSet/islet-autoantibody");
    assertThat(extensionCode(antibodies, SD + "criterion-manual-review")).isNotNull();
    GroupCharacteristicComponent peak = criterion(group, "inc-3");
    assertCriterion(
        peak,
        "observation-value",
        "machine-derived",
        "Peak stimulated C-peptide >0.2 pmol/mL during a mixed-meal tolerance test");
    assertQuantity((Quantity) peak.getValue(), QuantityComparator.GREATER_THAN, "0.2", "pmol/mL");
    assertThat(extensionCode(peak, SD + "criterion-valueset"))
        .isEqualTo(BASE + "ValueSet/c-peptide-mmtt-peak");
    GroupCharacteristicComponent egfr = criterion(group, "exc-3");
    assertCriterion(
        egfr, "observation-value", "machine-derived", "Estimated GFR <60 mL/min/1.73 m2");
    assertQuantity(
        (Quantity) egfr.getValue(), QuantityComparator.LESS_THAN, "60", "mL/min/{1.73_m2}");
    GroupCharacteristicComponent pregnant = criterion(group, "exc-4");
    assertCriterion(
        pregnant,
        "pregnancy",
        "machine-derived",
        "Pregnant or breastfeeding, or unwilling to use effective contraception");
    assertThat(extensionCode(pregnant, SD + "criterion-manual-review"))
        .isEqualTo("Pregnant or breastfeeding, or unwilling to use effective contraception");

    // One warning per item left to a person, none for what was recognised
    assertThat(result.outcome().getIssue())
        .allSatisfy(i -> assertThat(i.getSeverity()).isEqualTo(IssueSeverity.WARNING));
    assertThat(diagnostics(result.outcome()))
        .extracting(d -> d.substring(0, d.indexOf(' ')))
        .containsExactly("inc-5", "exc-2");
    assertThat(diagnostics(result.outcome()))
        .allMatch(d -> d.contains("needs a person"))
        .anyMatch(d -> d.endsWith("Prior treatment with any *biologic* immunomodulator"));
  }

  // ============================================================== C. statuses and phases

  @ParameterizedTest(name = "{0} (lastKnownStatus {1}) -> {2}")
  @CsvSource({
    "RECRUITING,              COMPLETED,  active",
    "NOT_YET_RECRUITING,      RECRUITING, approved",
    "ENROLLING_BY_INVITATION, WITHDRAWN,  active",
    "ACTIVE_NOT_RECRUITING,   RECRUITING, closed-to-accrual",
    "COMPLETED,               RECRUITING, completed",
    "SUSPENDED,               RECRUITING, temporarily-closed-to-accrual",
    "TERMINATED,              RECRUITING, administratively-completed",
    "WITHDRAWN,               RECRUITING, withdrawn"
  })
  void overallStatusMapsToTheStudyStatusAndLastKnownStatusIsIgnored(
      String overallStatus, String lastKnownStatus, String expected) {
    String nct = newNct();
    ObjectNode record = fixture("NCT09900004", nct);
    module(record, "statusModule")
        .put("overallStatus", overallStatus)
        .put("lastKnownStatus", lastKnownStatus);

    assertThat(importOne(write(record)).status()).isEqualTo("created");

    assertThat(read(ResearchStudy.class, nct.toLowerCase()).getStatus().toCode())
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "PHASE1 PHASE2, phase-1-phase-2",
    "PHASE2 PHASE3, phase-2-phase-3",
    "EARLY_PHASE1,  early-phase-1",
    "PHASE1,        phase-1",
    "PHASE2,        phase-2",
    "PHASE3,        phase-3",
    "PHASE4,        phase-4",
    "NA,            n-a"
  })
  void phasesMapToTheResearchStudyPhaseCodeSystem(String phases, String expected) {
    String nct = newNct();
    ObjectNode record = fixture("NCT09900004", nct);
    ArrayNode array = module(record, "designModule").putArray("phases");
    Stream.of(phases.split(" ")).forEach(array::add);

    assertThat(importOne(write(record)).status()).isEqualTo("created");

    assertThat(read(ResearchStudy.class, nct.toLowerCase()).getPhase().getCoding())
        .extracting(Coding::getSystem, Coding::getCode)
        .containsExactly(tuple(PHASE_SYSTEM, expected));
  }

  // ==================================================== D. ages, results, many locations

  @Test
  void aMissingMaximumAgeGivesAnAgeRangeWithOnlyALowBoundAndResultsAreIgnored() {
    String nct = newNct();
    String id = nct.toLowerCase();
    ObjectNode record = fixture("NCT09900002", nct);
    assertThat(record.path("resultsSection").isObject()).isTrue();
    assertThat(module(record, "eligibilityModule").has("maximumAge")).isFalse();

    ImportResult result = importOne(write(record));
    assertThat(result.status()).isEqualTo("created");
    assertThat(result.outcome().getIssue())
        .extracting(OperationOutcomeIssueComponent::getSeverity)
        .containsOnly(IssueSeverity.WARNING);

    Group group = read(Group.class, id + "-eligibility");
    GroupCharacteristicComponent age = criterion(group, "registry-age");
    assertCriterion(age, "age", "registry", "Ages 18 Years and older");
    Range range = (Range) age.getValue();
    assertQuantity(range.getLow(), null, "18", "a");
    assertThat(range.hasHigh()).as("no maximumAge, no high bound").isFalse();
    GroupCharacteristicComponent sex = criterion(group, "registry-sex");
    assertCriterion(sex, "sex", "registry", "Sex: female");
    assertThat(((CodeableConcept) sex.getValue()).getCodingFirstRep().getCode())
        .isEqualTo("female");

    ResearchStudy study = read(ResearchStudy.class, id);
    Range studyAges = ageRange(study);
    assertQuantity(studyAges.getLow(), null, "18", "a");
    assertThat(studyAges.hasHigh()).isFalse();
    assertThat(extensionCode(study, SD + "eligibility-sex")).isEqualTo("female");
    assertThat(study.getStatus()).isEqualTo(ResearchStudy.ResearchStudyStatus.COMPLETED);
    assertThat(study.getPhase().getCodingFirstRep().getCode()).isEqualTo("phase-3");
    assertThat(study.getPrimaryPurposeType().getCodingFirstRep().getCode()).isEqualTo("prevention");
    assertThat(recruitment(study)).containsExactly(Map.entry("actualNumber", 412));
    assertThat(study.getDescription())
        .isEqualTo(text(record.path("protocolSection"), "descriptionModule", "briefSummary"));
    // Objectives come from the protocol's outcomes only, not from the posted results.
    assertThat(study.getObjective())
        .extracting(ResearchStudy.ResearchStudyObjectiveComponent::getName)
        .containsExactly(
            "Incidence of type 2 diabetes (time frame: 36 months)",
            "Change in body weight (time frame: Baseline to 36 months)");
    assertPosition(read(Location.class, id + "-site-1"), "52.62783", "1.29834");
  }

  @Test
  void agesInMonthsBecomeUcumMonthsAndAreEvaluatedCorrectly() {
    String nct = newNct();
    String id = nct.toLowerCase();
    ObjectNode record = fixture("NCT09900003", nct);
    assertThat(module(record, "eligibilityModule").path("minimumAge").asText())
        .isEqualTo("6 Months");
    assertThat(module(record, "eligibilityModule").path("maximumAge").asText())
        .isEqualTo("17 Years");

    ImportResult result = importOne(write(record));
    assertThat(result.status()).as(describe(result)).isEqualTo("created");

    ResearchStudy study = read(ResearchStudy.class, id);
    assertThat(study.getPhase().getCodingFirstRep().getCode()).isEqualTo("early-phase-1");
    assertThat(study.getStatus()).isEqualTo(ResearchStudy.ResearchStudyStatus.APPROVED);
    GroupCharacteristicComponent age =
        criterion(read(Group.class, id + "-eligibility"), "registry-age");
    assertThat(kind(age)).isEqualTo("age");
    Range range = (Range) age.getValue();
    assertQuantity(range.getLow(), null, "6", "mo");
    assertThat(range.getLow().getUnit()).isEqualTo("months");
    assertThat(range.hasHigh()).isTrue();

    // 6 months to 17 years, evaluated on 2026-06-15
    assertThat(ageOutcome(id, "2016-01-10")).as("10 years old").isEqualTo("pass");
    assertThat(ageOutcome(id, "2025-09-01")).as("9 months old").isEqualTo("pass");
    assertThat(ageOutcome(id, "2026-03-01")).as("3 months old").isEqualTo("fail");
    assertThat(ageOutcome(id, "2007-01-10")).as("19 years old").isEqualTo("fail");
  }

  @Test
  void everyOneOfMoreThan200LocationsBecomesASite() {
    int count = 215;
    String nct = newNct();
    String id = nct.toLowerCase();
    ObjectNode record = fixture("NCT09900004", nct);
    ArrayNode locations = module(record, "contactsLocationsModule").putArray("locations");
    for (int i = 1; i <= count; i++) {
      ObjectNode site = locations.addObject();
      site.put("facility", "%s Research Site %03d".formatted(nct, i));
      site.put("status", i % 3 == 0 ? "NOT_YET_RECRUITING" : "RECRUITING");
      site.put("city", "City " + i);
      site.put("country", i % 2 == 0 ? "Canada" : "United States");
      site.putObject("geoPoint").put("lat", latitude(i)).put("lon", longitude(i));
    }

    ImportResult result = importOne(write(record));
    assertThat(result.status()).isEqualTo("created");

    ResearchStudy study = read(ResearchStudy.class, id);
    assertThat(study.getSite())
        .extracting(Reference::getReference)
        .containsExactlyElementsOf(
            IntStream.rangeClosed(1, count)
                .mapToObj(i -> "Location/" + id + "-site-" + i)
                .toList());
    for (int i : new int[] {1, 108, count}) {
      Location site = read(Location.class, id + "-site-" + i);
      assertThat(site.getName()).isEqualTo("%s Research Site %03d".formatted(nct, i));
      assertPosition(site, latitude(i).toPlainString(), longitude(i).toPlainString());
    }
    fhir()
        .queryParam("name", nct + " Research Site")
        .queryParam("_summary", "count")
        .get("/Location")
        .then()
        .statusCode(200)
        .body("total", equalTo(count));

    assertThat(importOne(write(record)).status()).isEqualTo("unchanged");
  }

  // ===================================================== E. idempotent and atomic per record

  @Test
  void reimportChangesNothingAndAChangedRecordUpdatesTheSameResources() {
    String nct = newNct();
    String id = nct.toLowerCase();
    ObjectNode record = fixture("NCT09900001", nct);
    assertThat(importOne(write(record)).status()).isEqualTo("created");
    String study = version(ResearchStudy.class, id);
    String group = version(Group.class, id + "-eligibility");
    String site1 = version(Location.class, id + "-site-1");
    String sponsor = version(Organization.class, "org-northmoor-university-hospital");

    ImportResult again = importOne(write(record));
    assertThat(again.status()).isEqualTo("unchanged");
    assertThat(again.study()).isEqualTo("ResearchStudy/" + id);
    assertThat(version(ResearchStudy.class, id)).isEqualTo(study);
    assertThat(version(Group.class, id + "-eligibility")).isEqualTo(group);
    assertThat(version(Location.class, id + "-site-1")).isEqualTo(site1);
    assertThat(version(Organization.class, "org-northmoor-university-hospital")).isEqualTo(sponsor);

    // A new site and an edited criterion: the same resources, each changed one a version on.
    ObjectNode eligibility = module(record, "eligibilityModule");
    eligibility.put(
        "eligibilityCriteria",
        eligibility
            .path("eligibilityCriteria")
            .asText()
            .replace("Estimated GFR \\<60", "Estimated GFR \\<45"));
    ((ArrayNode) module(record, "contactsLocationsModule").get("locations"))
        .addObject()
        .put("facility", "Fjordside University Clinic")
        .put("city", "Bergen")
        .put("country", "Norway")
        .putObject("geoPoint")
        .put("lat", new BigDecimal("60.39299"))
        .put("lon", new BigDecimal("5.32415"));
    ImportResult changed = importOne(write(record));
    assertThat(changed.status()).isEqualTo("updated");
    assertThat(changed.study()).isEqualTo("ResearchStudy/" + id);
    assertThat(version(ResearchStudy.class, id)).isEqualTo(next(study));
    assertThat(version(Group.class, id + "-eligibility")).isEqualTo(next(group));
    assertThat(version(Location.class, id + "-site-1")).isEqualTo(site1);
    assertThat(version(Organization.class, "org-northmoor-university-hospital")).isEqualTo(sponsor);
    GroupCharacteristicComponent egfr = criterion(read(Group.class, id + "-eligibility"), "exc-3");
    assertCriterion(
        egfr, "observation-value", "machine-derived", "Estimated GFR <45 mL/min/1.73 m2");
    assertQuantity(
        (Quantity) egfr.getValue(), QuantityComparator.LESS_THAN, "45", "mL/min/{1.73_m2}");
    Location bergen = read(Location.class, id + "-site-4");
    assertThat(bergen.getName()).isEqualTo("Fjordside University Clinic");
    assertPosition(bergen, "60.39299", "5.32415");
    assertThat(read(ResearchStudy.class, id).getSite()).hasSize(4);
    assertStudiesWithNctId(nct, 1);
  }

  @Test
  void theSameNewRecordTwiceInOneCallIsCreatedThenUnchanged() {
    String nct = newNct();
    String record = write(fixture("NCT09900004", nct));

    List<ImportResult> results = importAll(record, record);

    assertThat(results)
        .extracting(ImportResult::nctId, ImportResult::study, ImportResult::status)
        .containsExactly(
            tuple(nct, "ResearchStudy/" + nct.toLowerCase(), "created"),
            tuple(nct, "ResearchStudy/" + nct.toLowerCase(), "unchanged"));
    assertStudiesWithNctId(nct, 1);
  }

  @Test
  void aRecordTheServerRejectsStoresNothingOfItsResources() {
    String nct = newNct();
    String id = nct.toLowerCase();
    ObjectNode record = fixture("NCT09900001", nct);
    String sponsor = "Sponsor of " + nct;
    module(record, "sponsorCollaboratorsModule").putObject("leadSponsor").put("name", sponsor);
    // An enrollment count below zero cannot be an unsignedInt: the study fails validation.
    module(record, "designModule").putObject("enrollmentInfo").put("count", -1);

    OperationOutcome outcome = importRejected(write(record));

    assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(IssueSeverity.ERROR);
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains(nct);
    assertGone("ResearchStudy/" + id);
    assertGone("Group/" + id + "-eligibility");
    assertGone("Location/" + id + "-site-1");
    assertGone("Organization/" + "org-sponsor-of-" + id);
  }

  // ====================================================== F. malformed and partial records

  static Stream<Arguments> malformedRecords() {
    return Stream.of(
        Arguments.of(
            "not JSON",
            (Function<String, String>) nct -> "{\"protocolSection\": {",
            "not valid JSON",
            false),
        Arguments.of(
            "a JSON array",
            (Function<String, String>) nct -> "[\"" + nct + "\"]",
            "must be a JSON object",
            false),
        Arguments.of(
            "no nctId",
            (Function<String, String>)
                nct -> {
                  ObjectNode r = fixture("NCT09900004", nct);
                  module(r, "identificationModule").remove("nctId");
                  return write(r);
                },
            "protocolSection.identificationModule.nctId",
            false),
        Arguments.of(
            "nctId a number",
            (Function<String, String>)
                nct -> {
                  ObjectNode r = fixture("NCT09900004", nct);
                  module(r, "identificationModule").put("nctId", 9900004);
                  return write(r);
                },
            "nctId must be a string like NCT",
            false),
        Arguments.of(
            "protocolSection a string",
            (Function<String, String>) nct -> "{\"protocolSection\":\"" + nct + "\"}",
            "protocolSection",
            false),
        Arguments.of(
            "conditions not an array",
            (Function<String, String>)
                nct -> {
                  ObjectNode r = fixture("NCT09900004", nct);
                  module(r, "conditionsModule").put("conditions", "not-an-array");
                  return write(r);
                },
            "'conditions' must be an array",
            true),
        Arguments.of(
            "locations an object",
            (Function<String, String>)
                nct -> {
                  ObjectNode r = fixture("NCT09900001", nct);
                  module(r, "contactsLocationsModule").putObject("locations").put("facility", "X");
                  return write(r);
                },
            "'locations' must be an array",
            true),
        Arguments.of(
            "briefTitle an object",
            (Function<String, String>)
                nct -> {
                  ObjectNode r = fixture("NCT09900004", nct);
                  module(r, "identificationModule").putObject("briefTitle").put("text", "A title");
                  return write(r);
                },
            "'briefTitle' must be a string",
            true),
        Arguments.of(
            "eligibilityModule a string",
            (Function<String, String>)
                nct -> {
                  ObjectNode r = fixture("NCT09900004", nct);
                  ((ObjectNode) r.get("protocolSection"))
                      .put("eligibilityModule", "Adults 18 to 75");
                  return write(r);
                },
            "eligibilityModule",
            true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedRecords")
  void aMalformedRecordAloneIsA400NamingTheProblemAndStoresNothing(
      String label, Function<String, String> recordFor, String problem, boolean nctReadable) {
    String nct = newNct();

    OperationOutcome outcome = importRejected(recordFor.apply(nct));

    assertThat(outcome.getIssue()).isNotEmpty();
    assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(IssueSeverity.ERROR);
    assertThat(outcome.getIssueFirstRep().getDiagnostics())
        .startsWith("Record 1")
        .contains(problem);
    if (nctReadable) {
      assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains(nct);
    }
    assertGone("ResearchStudy/" + nct.toLowerCase());
    assertStudiesWithNctId(nct, 0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedRecords")
  void aMalformedRecordAmongGoodOnesIsReportedAndTheOthersAreImported(
      String label, Function<String, String> recordFor, String problem, boolean nctReadable) {
    String good1 = newNct();
    String bad = newNct();
    String good2 = newNct();

    List<ImportResult> results =
        importAll(
            write(fixture("NCT09900004", good1)),
            recordFor.apply(bad),
            write(fixture("NCT09900002", good2)));

    assertThat(results.get(0).status()).isEqualTo("created");
    assertThat(results.get(0).study()).isEqualTo("ResearchStudy/" + good1.toLowerCase());
    assertThat(results.get(2).status()).isEqualTo("created");
    assertThat(results.get(2).study()).isEqualTo("ResearchStudy/" + good2.toLowerCase());
    ImportResult error = results.get(1);
    assertThat(error.status()).isEqualTo("error");
    assertThat(error.study()).isNull();
    assertThat(error.nctId()).isEqualTo(nctReadable ? bad : null);
    assertThat(error.outcome().getIssue())
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.getSeverity()).isEqualTo(IssueSeverity.ERROR);
              assertThat(issue.getDiagnostics()).startsWith("Record 2").contains(problem);
            });
    read(ResearchStudy.class, good1.toLowerCase());
    read(ResearchStudy.class, good2.toLowerCase());
    assertGone("ResearchStudy/" + bad.toLowerCase());
  }

  @Test
  void anImpossibleDateFailsOnlyItsOwnRecord() {
    String good = newNct();
    String bad = newNct();
    ObjectNode badRecord = fixture("NCT09900004", bad);
    module(badRecord, "statusModule").putObject("startDateStruct").put("date", "2026-13-45");

    List<ImportResult> results = importAll(write(fixture("NCT09900004", good)), write(badRecord));

    assertThat(results)
        .extracting(ImportResult::nctId, ImportResult::status)
        .containsExactly(tuple(good, "created"), tuple(bad, "error"));
    assertThat(diagnostics(results.get(1).outcome()))
        .singleElement()
        .asString()
        .contains("2026-13-45");
    assertGone("ResearchStudy/" + bad.toLowerCase());
  }

  @Test
  void aRecordHoldingNothingButItsNctIdIsImported() {
    String nct = newNct();
    String record = "{\"protocolSection\":{\"identificationModule\":{\"nctId\":\"" + nct + "\"}}}";

    ImportResult result = importOne(record);

    assertThat(result.status()).as(describe(result)).isEqualTo("created");
    ResearchStudy study = read(ResearchStudy.class, nct.toLowerCase());
    assertThat(study.getIdentifierFirstRep().getValue()).isEqualTo(nct);
    assertThat(study.getTitle()).isEqualTo(nct);
    assertThat(study.getEnrollment())
        .extracting(Reference::getReference)
        .containsExactly("Group/" + nct.toLowerCase() + "-eligibility");
  }

  @Test
  void aCallWithoutRecordsIsA400() {
    Response response =
        fhir().body("{\"resourceType\":\"Parameters\"}").post("/ResearchStudy/$import-ctgov");
    assertThat(response.statusCode()).isEqualTo(400);
    OperationOutcome outcome = parseResource(OperationOutcome.class, response.asString());
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("record");
  }

  // ==================================================== G. recogniser limits in a T1D study

  @Test
  void inATypeOneDiabetesStudyOnlyADiabetesDiagnosisBecomesAnOnsetCriterion() {
    String nct = newNct();
    ObjectNode record = fixture("NCT09900001", nct);
    module(record, "eligibilityModule")
        .put(
            "eligibilityCriteria",
            "Inclusion Criteria:\n\n* Type 1 diabetes diagnosed within the past 100 days\n\n"
                + "Exclusion Criteria:\n\n"
                + "* Malignancy diagnosed within the last 5 years, except treated basal cell"
                + " carcinoma");

    assertThat(importOne(write(record)).status()).isEqualTo("created");

    Group group = read(Group.class, nct.toLowerCase() + "-eligibility");
    GroupCharacteristicComponent onset = criterion(group, "inc-1");
    assertThat(kind(onset)).isEqualTo("condition-onset");
    assertQuantity((Quantity) onset.getValue(), null, "100", "d");
    // Not about diabetes: a person judges it (it must not exclude recent type 1 diabetes).
    assertManual(
        group,
        "exc-1",
        "Malignancy diagnosed within the last 5 years, except treated basal cell carcinoma");
  }

  // ============================================================ H. $eligibility afterwards

  @Test
  void eligibilityWorksOnAnImportedStudy() {
    String nct = newNct();
    String id = nct.toLowerCase();
    assertThat(importOne(write(fixture("NCT09900004", nct))).status()).isEqualTo("created");

    JsonPath adult = eligibility(id, createPatient(unique("ctgov-adult"), "1990-03-01"));
    assertThat(criterionIds(adult))
        .containsExactly("registry-age", "inc-1", "inc-2", "exc-1", "exc-2");
    assertThat(outcome(adult, "registry-age")).isEqualTo("pass");
    assertThat(outcome(adult, "inc-1")).isEqualTo("manual-review");
    assertThat(outcome(adult, "exc-2")).isEqualTo("manual-review");
    assertThat(verdict(adult)).isEqualTo("needs-review");

    JsonPath child = eligibility(id, createPatient(unique("ctgov-child"), "2015-01-01"));
    assertThat(outcome(child, "registry-age")).isEqualTo("fail");
    assertThat(verdict(child)).isEqualTo("ineligible");
  }

  @Test
  void recognisedCriteriaOfAnImportedStudyAreEvaluated() {
    String nct = newNct();
    String id = nct.toLowerCase();
    assertThat(importOne(write(fixture("NCT09900001", nct))).status()).isEqualTo("created");
    String patient = createPatientWithT1dHbA1cAndBmi("2004-02-20", "2026-03-01", "8.1", "22.5");

    JsonPath result = eligibility(id, patient);

    assertThat(criterionIds(result))
        .containsExactly(
            "registry-age",
            "registry-no-healthy-volunteers",
            "inc-1",
            "inc-2",
            "inc-3",
            "inc-4",
            "inc-5",
            "exc-1",
            "exc-2",
            "exc-3",
            "exc-4");
    assertThat(outcome(result, "registry-age")).isEqualTo("pass");
    assertThat(outcome(result, "inc-1")).as("T1D since 2026-03-01").isEqualTo("pass");
    assertThat(outcome(result, "inc-4")).as("HbA1c 8.1 %").isEqualTo("pass");
    assertThat(outcome(result, "exc-1")).as("BMI 22.5").isEqualTo("pass");
    assertThat(outcome(result, "inc-2")).isEqualTo("manual-review");
    assertThat(outcome(result, "exc-3")).as("no eGFR held").isEqualTo("missing-data");
    assertThat(verdict(result)).isEqualTo("insufficient-data");

    String obese = createPatientWithT1dHbA1cAndBmi("2004-02-20", "2026-03-01", "8.1", "36.2");
    JsonPath excluded = eligibility(id, obese);
    // Read by machine and not yet confirmed: the computed fail goes to a person, never excludes.
    assertThat(outcome(excluded, "exc-1")).as("BMI 36.2").isEqualTo("manual-review");
    assertThat(excluded.prettify()).contains("computed as not met (");
    // As for the patient above (no eGFR held), not ineligible.
    assertThat(verdict(excluded)).isEqualTo("insufficient-data");
  }

  @Test
  void aMultipleOfTheUpperLimitOfNormalIsComparedWithTheResultsOwnRange() {
    String nct = newNct();
    String id = nct.toLowerCase();
    ObjectNode record = fixture("NCT09900001", nct);
    module(record, "eligibilityModule")
        .put(
            "eligibilityCriteria",
            "Exclusion Criteria:\n\n* Total bilirubin >1.5 of ULN\n\n"
                + "* Alanine aminotransferase (ALT) or aspartate aminotransferase (AST) >2 of ULN");
    assertThat(importOne(write(record)).status()).isEqualTo("created");
    Group group = read(Group.class, id + "-eligibility");
    assertThat(kind(criterion(group, "exc-1"))).isEqualTo("observation-uln");

    // 40 µmol/L against the laboratory's upper limit of 21 µmol/L: 1.9 times it.
    JsonPath high = eligibility(id, createPatientWithBilirubin("40", "21"));
    assertThat(outcome(high, "exc-1")).isEqualTo("manual-review");
    assertThat(high.prettify())
        .contains(
            "computed as not met (Total bilirubin 40 umol/L on 2026-06-01 (1.905 × the upper"
                + " limit of normal 21 umol/L) is above 1.5 × ULN)");
    assertThat(outcome(eligibility(id, createPatientWithBilirubin("25", "21")), "exc-1"))
        .as("1.19 × ULN")
        .isEqualTo("pass");
    JsonPath noRange = eligibility(id, createPatientWithBilirubin("40", null));
    assertThat(outcome(noRange, "exc-1")).isEqualTo("missing-data");
    assertThat(noRange.prettify()).contains("has no upper limit of normal in its reference range");
    // No ALT or AST held: missing data, never a pass.
    assertThat(outcome(noRange, "exc-2")).isEqualTo("missing-data");
  }

  /** A Patient with one total bilirubin (LOINC 14631-6, µmol/L) on 2026-06-01; returns the id. */
  private String createPatientWithBilirubin(String value, String upperLimit) {
    String patient = "urn:uuid:" + java.util.UUID.randomUUID();
    String range =
        upperLimit == null
            ? ""
            : ",\"referenceRange\":[{\"low\":{\"value\":0,\"unit\":\"umol/L\",\"system\":"
                + "\"http://unitsofmeasure.org\",\"code\":\"umol/L\"},\"high\":{\"value\":"
                + upperLimit
                + ",\"unit\":\"umol/L\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"umol/L\"}}]";
    String bundle =
        """
{"resourceType":"Bundle","type":"transaction","entry":[
  {"fullUrl":"%1$s","resource":{"resourceType":"Patient",
     "identifier":[{"system":"urn:trialfhir:test:ctgov-mrn","value":"%2$s"}],
     "gender":"male","birthDate":"1990-05-01"},
   "request":{"method":"POST","url":"Patient"}},
  {"resource":{"resourceType":"Observation","status":"final",
     "code":{"coding":[{"system":"http://loinc.org","code":"14631-6"}]},
     "subject":{"reference":"%1$s"},"effectiveDateTime":"2026-06-01",
     "valueQuantity":{"value":%3$s,"unit":"umol/L","system":"http://unitsofmeasure.org","code":"umol/L"}%4$s},
   "request":{"method":"POST","url":"Observation"}}
]}
"""
            .formatted(patient, unique("ctgov-bili"), value, range);
    String location =
        fhir()
            .body(bundle)
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[0].response.location");
    return location.split("/")[1];
  }

  // ===================================================================== helpers: the call

  record ImportResult(String nctId, String study, String status, OperationOutcome outcome) {}

  private Response postImport(String... records) {
    Parameters in = new Parameters();
    for (String record : records) {
      in.addParameter().setName("record").setValue(new StringType(record));
    }
    return fhir()
        .contentType(FHIR_JSON + "; charset=UTF-8")
        .body(FHIR.newJsonParser().encodeResourceToString(in).getBytes(StandardCharsets.UTF_8))
        .post("/ResearchStudy/$import-ctgov");
  }

  private List<ImportResult> importAll(String... records) {
    Response response = postImport(records);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
    Parameters out = parseResource(Parameters.class, response.asString());
    List<ImportResult> results = new ArrayList<>();
    for (ParametersParameterComponent result : out.getParameter()) {
      assertThat(result.getName()).isEqualTo("result");
      String nctId = null;
      String study = null;
      String status = null;
      OperationOutcome outcome = new OperationOutcome();
      for (ParametersParameterComponent part : result.getPart()) {
        switch (part.getName()) {
          case "nctId" -> nctId = part.getValue().primitiveValue();
          case "study" -> study = ((Reference) part.getValue()).getReference();
          case "status" -> status = part.getValue().primitiveValue();
          case "outcome" -> outcome = (OperationOutcome) part.getResource();
          default -> fail("unexpected part %s", part.getName());
        }
      }
      results.add(new ImportResult(nctId, study, status, outcome));
    }
    assertThat(results).hasSize(records.length);
    return results;
  }

  private ImportResult importOne(String record) {
    return importAll(record).get(0);
  }

  private OperationOutcome importRejected(String record) {
    Response response = postImport(record);
    assertThat(response.statusCode()).as(response.asString()).isEqualTo(400);
    return parseResource(OperationOutcome.class, response.asString());
  }

  private static String describe(ImportResult result) {
    return result.status() + " " + diagnostics(result.outcome());
  }

  private static List<String> diagnostics(OperationOutcome outcome) {
    return outcome.getIssue().stream().map(OperationOutcomeIssueComponent::getDiagnostics).toList();
  }

  // ================================================================= helpers: the server

  private <T extends IBaseResource> T read(Class<T> type, String id) {
    String path = "/" + FHIR.getResourceType(type) + "/" + id;
    Response response = fhir().get(path);
    assertThat(response.statusCode()).as("GET %s: %s", path, response.asString()).isEqualTo(200);
    return parseResource(type, response.asString());
  }

  private <T extends IBaseResource> String version(Class<T> type, String id) {
    return read(type, id).getMeta().getVersionId();
  }

  private void assertGone(String typeAndId) {
    fhir().get("/" + typeAndId).then().statusCode(404);
  }

  private void assertStudiesWithNctId(String nct, int total) {
    fhir()
        .get("/ResearchStudy?identifier=" + NCT_SYSTEM + "|" + nct)
        .then()
        .statusCode(200)
        .body("total", equalTo(total));
  }

  private JsonPath eligibility(String studyId, String patientId) {
    return eligibility(studyId, patientId, DATE);
  }

  /** The outcome of {@code registry-age} for a new patient born on {@code birthDate}. */
  private String ageOutcome(String studyId, String birthDate) {
    return outcome(
        eligibility(studyId, createPatient(unique("ctgov-age"), birthDate)), "registry-age");
  }

  private static String verdict(JsonPath result) {
    return result.getString("parameter.find { it.name == 'verdict' }.valueCode");
  }

  private static List<String> criterionIds(JsonPath result) {
    return result.getList(
        "parameter.findAll { it.name == 'criterion' }.collect { c -> c.part.find { it.name == 'id'"
            + " }.valueString }",
        String.class);
  }

  private static String outcome(JsonPath result, String criterionId) {
    String outcome =
        result.getString(
            "parameter.findAll { it.name == 'criterion' }.find { c -> c.part.find { it.name == 'id'"
                + " }.valueString == '"
                + criterionId
                + "' }.part.find { it.name == 'outcome' }.valueCode");
    assertThat(outcome).as("outcome of %s in %s", criterionId, result.prettify()).isNotNull();
    return outcome;
  }

  /**
   * A Patient with type 1 diabetes (SNOMED 46635009) since {@code onset}, an HbA1c (LOINC 4548-4,
   * %) and a BMI (LOINC 39156-5, kg/m2) both on 2026-06-01, in one transaction; returns the id.
   */
  private String createPatientWithT1dHbA1cAndBmi(
      String birthDate, String onset, String hba1c, String bmi) {
    String patient = "urn:uuid:" + java.util.UUID.randomUUID();
    String mrn = unique("ctgov-t1d");
    String bundle =
        """
{"resourceType":"Bundle","type":"transaction","entry":[
  {"fullUrl":"%1$s","resource":{"resourceType":"Patient",
     "identifier":[{"system":"urn:trialfhir:test:ctgov-mrn","value":"%2$s"}],
     "gender":"female","birthDate":"%3$s"},
   "request":{"method":"POST","url":"Patient"}},
  {"resource":{"resourceType":"Condition",
     "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
     "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},
     "code":{"coding":[{"system":"http://snomed.info/sct","code":"46635009"}]},
     "subject":{"reference":"%1$s"},"onsetDateTime":"%4$s"},
   "request":{"method":"POST","url":"Condition"}},
  {"resource":{"resourceType":"Observation","status":"final",
     "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
     "subject":{"reference":"%1$s"},"effectiveDateTime":"2026-06-01",
     "valueQuantity":{"value":%5$s,"unit":"%%","system":"http://unitsofmeasure.org","code":"%%"}},
   "request":{"method":"POST","url":"Observation"}},
  {"resource":{"resourceType":"Observation","status":"final",
     "code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]},
     "subject":{"reference":"%1$s"},"effectiveDateTime":"2026-06-01",
     "valueQuantity":{"value":%6$s,"unit":"kg/m2","system":"http://unitsofmeasure.org","code":"kg/m2"}},
   "request":{"method":"POST","url":"Observation"}}
]}
"""
            .formatted(patient, mrn, birthDate, onset, hba1c, bmi);
    String location =
        fhir()
            .body(bundle)
            .post("/")
            .then()
            .statusCode(200)
            .extract()
            .path("entry[0].response.location");
    return location.split("/")[1];
  }

  // =============================================================== helpers: the records

  /** A fresh fictional NCT id, NCT099 and five digits. */
  private static String newNct() {
    return "NCT099%05d".formatted(NEXT_NCT.getAndIncrement() % 100_000);
  }

  private static String resource(String name) {
    try (InputStream in = CtgovImportIT.class.getResourceAsStream("/ctgov/" + name)) {
      assertThat(in).as("test resource ctgov/%s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fixture record {@code <name>.json} with its nctId replaced by {@code nct}. */
  static ObjectNode fixture(String name, String nct) {
    ObjectNode record = (ObjectNode) parse(resource(name + ".json"));
    module(record, "identificationModule").put("nctId", nct);
    return record;
  }

  /** protocolSection.{@code name}, created if the record has none. */
  static ObjectNode module(ObjectNode record, String name) {
    ObjectNode protocol = (ObjectNode) record.get("protocolSection");
    return protocol.get(name) instanceof ObjectNode module ? module : protocol.putObject(name);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(JsonNode node, String... path) {
    JsonNode at = node;
    for (String field : path) {
      at = at.path(field);
    }
    assertThat(at.isTextual()).as("record field %s", String.join(".", path)).isTrue();
    return at.asText();
  }

  private static BigDecimal latitude(int i) {
    return new BigDecimal("25.00000")
        .add(new BigDecimal("0.11317").multiply(BigDecimal.valueOf(i)));
  }

  private static BigDecimal longitude(int i) {
    return new BigDecimal("-124.50000")
        .add(new BigDecimal("0.27131").multiply(BigDecimal.valueOf(i)));
  }

  // =============================================================== helpers: the resources

  private static <T extends IBaseResource> T parseResource(Class<T> type, String body) {
    return FHIR.newJsonParser().parseResource(type, body);
  }

  private static String next(String version) {
    return String.valueOf(Long.parseLong(version) + 1);
  }

  private static String idPart(Reference reference) {
    return reference.getReferenceElement().getIdPart();
  }

  private static List<org.assertj.core.groups.Tuple> identifiers(ResearchStudy study) {
    return study.getIdentifier().stream()
        .map(i -> tuple(i.getUse(), i.getSystem(), i.getValue(), i.getType().getText()))
        .toList();
  }

  /** Each studyDesign coding as "code-system-id|code" (code systems under our canonical base). */
  private static List<String> designCodes(ResearchStudy study) {
    return study.getExtensionsByUrl(R5 + "studyDesign").stream()
        .map(e -> ((CodeableConcept) e.getValue()).getCodingFirstRep())
        .map(c -> c.getSystem().replace(CS, "") + "|" + c.getCode())
        .toList();
  }

  private static List<Map.Entry<String, Integer>> recruitment(ResearchStudy study) {
    List<Extension> recruitment = study.getExtensionsByUrl(R5 + "recruitment");
    assertThat(recruitment).hasSize(1);
    return recruitment.get(0).getExtension().stream()
        .map(e -> Map.entry(e.getUrl(), ((UnsignedIntType) e.getValue()).getValue()))
        .toList();
  }

  private static List<Map.Entry<String, String>> labels(ResearchStudy study) {
    return study.getExtensionsByUrl(R5 + "label").stream()
        .map(
            e ->
                Map.entry(
                    ((CodeableConcept) e.getExtensionByUrl("type").getValue())
                        .getCodingFirstRep()
                        .getCode(),
                    e.getExtensionByUrl("value").getValue().primitiveValue()))
        .toList();
  }

  private static Range ageRange(ResearchStudy study) {
    Extension extension = study.getExtensionByUrl(SD + "eligibility-age-range");
    assertThat(extension).as("eligibility-age-range extension").isNotNull();
    return (Range) extension.getValue();
  }

  /** The primitive value of the one extension with this url, as a string. */
  private static String extensionCode(IBaseHasExtensions element, String url) {
    List<? extends IBaseExtension<?, ?>> found =
        element.getExtension().stream().filter(e -> url.equals(e.getUrl())).toList();
    assertThat(found).as("extension %s", url).hasSize(1);
    return ((org.hl7.fhir.r4.model.Type) found.get(0).getValue()).primitiveValue();
  }

  private static List<String> telecoms(ContactDetail contact) {
    return contact.getTelecom().stream()
        .map(t -> t.getSystem().toCode() + "|" + t.getValue())
        .collect(Collectors.toList());
  }

  private static void assertPosition(Location location, String latitude, String longitude) {
    assertThat(location.hasPosition()).as("position of %s", location.getName()).isTrue();
    assertThat(location.getPosition().getLatitude()).isEqualByComparingTo(latitude);
    assertThat(location.getPosition().getLongitude()).isEqualByComparingTo(longitude);
  }

  private static GroupCharacteristicComponent criterion(Group group, String id) {
    return group.getCharacteristic().stream()
        .filter(c -> id.equals(c.getId()))
        .findFirst()
        .orElseGet(() -> fail("no criterion %s in Group/%s", id, group.getIdElement().getIdPart()));
  }

  private static String kind(GroupCharacteristicComponent criterion) {
    Coding coding = criterion.getCode().getCodingFirstRep();
    assertThat(coding.getSystem()).isEqualTo(CS + "criterion-kind");
    return coding.getCode();
  }

  private static void assertCriterion(
      GroupCharacteristicComponent criterion, String kind, String origin, String description) {
    assertThat(kind(criterion)).as("kind of %s", criterion.getId()).isEqualTo(kind);
    assertThat(extensionCode(criterion, SD + "criterion-origin"))
        .as("origin of %s", criterion.getId())
        .isEqualTo(origin);
    assertThat(extensionCode(criterion, SD + "criterion-description"))
        .as("description of %s", criterion.getId())
        .isEqualTo(description);
  }

  private static void assertManual(Group group, String id, String description) {
    GroupCharacteristicComponent criterion = criterion(group, id);
    assertCriterion(criterion, "manual-review", "registry", description);
    assertThat(criterion.getValue().primitiveValue()).isEqualTo("true");
  }

  private static Group contained(Group group, String localId) {
    return group.getContained().stream()
        .filter(Group.class::isInstance)
        .map(Group.class::cast)
        .filter(g -> Objects.equals(localId, g.getIdElement().getIdPart().replace("#", "")))
        .findFirst()
        .orElseGet(() -> fail("no contained Group #%s", localId));
  }

  private static void assertRange(
      Range range, String low, String lowCode, String high, String highCode) {
    assertQuantity(range.getLow(), null, low, lowCode);
    assertQuantity(range.getHigh(), null, high, highCode);
  }

  private static void assertQuantity(
      Quantity quantity, QuantityComparator comparator, String value, String code) {
    assertThat(quantity.getValue()).isEqualByComparingTo(value);
    assertThat(quantity.getSystem()).isEqualTo(UCUM);
    assertThat(quantity.getCode()).isEqualTo(code);
    if (comparator != null) {
      assertThat(quantity.getComparator()).isEqualTo(comparator);
    }
  }
}
