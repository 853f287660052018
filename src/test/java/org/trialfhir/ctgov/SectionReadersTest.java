package org.trialfhir.ctgov;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchStudy.ResearchStudyStatus;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** One registry section each: what each reader writes into the ResearchStudy. */
class SectionReadersTest {

  private final ResearchStudy study = new ResearchStudy();

  @Nested
  class Sponsors {
    @Test
    void theLeadSponsorIsTheSponsorAndCollaboratorsAreExtensions() {
      SponsorsReader.Sponsors s =
          SponsorsReader.read(
              Json.of(
                  "{'leadSponsor':{'name':'Uppsala University','class':'OTHER'},"
                      + "'collaborators':[{'name':'Karolinska Institutet'}]}"),
              Json.of("{}"),
              study);
      assertThat(s.lead().getIdPart()).isEqualTo("org-uppsala-university");
      assertThat(s.organizations()).hasSize(2);
      assertThat(study.getSponsor().getReference())
          .isEqualTo("Organization/org-uppsala-university");
      assertThat(
              study.getExtensionsByUrl(CtgovStudyMapper.BASE + "StructureDefinition/collaborator"))
          .hasSize(1);
    }

    @Test
    void withoutALeadSponsorTheIdentificationOrganizationIsUsed() {
      SponsorsReader.Sponsors s =
          SponsorsReader.read(
              Json.of("{}"), Json.of("{'organization':{'fullName':'Some Hospital'}}"), study);
      assertThat(s.lead().getName()).isEqualTo("Some Hospital");
    }
  }

  @Nested
  class Identification {
    @Test
    void theNctIdIsOfficialAndOtherIdsSecondary() {
      IdentificationReader.read(
          Json.of(
              "{'orgStudyIdInfo':{'id':'UU-1'},'secondaryIdInfos':[{'id':'2019-001','type':'EUDRACT_NUMBER'}],"
                  + "'briefTitle':'Brief','officialTitle':'Official','acronym':'ACR'}"),
          "NCT01234567",
          null,
          study);
      assertThat(study.getIdentifierFirstRep().getValue()).isEqualTo("NCT01234567");
      assertThat(study.getIdentifier()).hasSize(3);
      assertThat(study.getIdentifier().get(2).getType().getText()).isEqualTo("EUDRACT_NUMBER");
      assertThat(study.getTitle()).isEqualTo("Brief");
      assertThat(study.getExtensionsByUrl(CtgovStudyMapper.R5 + "label")).hasSize(2);
    }
  }

  @Nested
  class Status {
    @Test
    void statusAndPeriodAreMapped() {
      List<String> warnings = new ArrayList<>();
      StatusReader.read(
          Json.of(
              "{'overallStatus':'RECRUITING','startDateStruct':{'date':'2024-03'},"
                  + "'completionDateStruct':{'date':'2027-12-31'}}"),
          study,
          warnings);
      assertThat(study.getStatus()).isEqualTo(ResearchStudyStatus.ACTIVE);
      assertThat(study.getPeriod().getStartElement().getValueAsString()).isEqualTo("2024-03");
      assertThat(warnings).isEmpty();
    }

    @Test
    void anUnknownStatusIsInReviewWithAWarning() {
      List<String> warnings = new ArrayList<>();
      StatusReader.read(Json.of("{'overallStatus':'UNKNOWN'}"), study, warnings);
      assertThat(study.getStatus()).isEqualTo(ResearchStudyStatus.INREVIEW);
      assertThat(warnings).singleElement().asString().contains("'UNKNOWN'");
    }
  }

  @Nested
  class Design {
    @Test
    void phasesDesignCodesPurposeAndEnrolment() {
      DesignReader.read(
          Json.of(
              "{'phases':['PHASE1','PHASE2'],'studyType':'INTERVENTIONAL','designInfo':{"
                  + "'allocation':'RANDOMIZED','primaryPurpose':'TREATMENT',"
                  + "'maskingInfo':{'masking':'DOUBLE','whoMasked':['PARTICIPANT']}},"
                  + "'enrollmentInfo':{'count':60,'type':'ACTUAL'}}"),
          study);
      assertThat(study.getPhase().getCodingFirstRep().getCode()).isEqualTo("phase-1-phase-2");
      assertThat(study.getPrimaryPurposeType().getCodingFirstRep().getCode())
          .isEqualTo("treatment");
      assertThat(study.getExtensionsByUrl(CtgovStudyMapper.R5 + "studyDesign")).hasSize(4);
      Extension recruitment = study.getExtensionByUrl(CtgovStudyMapper.R5 + "recruitment");
      assertThat(recruitment.getExtensionByUrl("actualNumber").getValue().primitiveValue())
          .isEqualTo("60");
    }
  }

  @Nested
  class Conditions {
    @Test
    void conditionsAndKeywordsAreTextAndConditionsAreReturned() {
      List<String> conditions =
          ConditionsReader.read(
              Json.of("{'conditions':['Type 1 Diabetes'],'keywords':['islets']}"), study);
      assertThat(conditions).containsExactly("Type 1 Diabetes");
      assertThat(study.getConditionFirstRep().getText()).isEqualTo("Type 1 Diabetes");
      assertThat(study.getKeywordFirstRep().getText()).isEqualTo("islets");
    }
  }

  @Nested
  class Description {
    @Test
    void summaryThenDetails() {
      DescriptionReader.read(
          Json.of("{'briefSummary':'Short.','detailedDescription':'Long.'}"), study);
      assertThat(study.getDescription()).isEqualTo("Short.\n\nLong.");
    }
  }

  @Nested
  class Arms {
    @Test
    void armsWithTypeAndInterventionsAsFocus() {
      ArmsReader.read(
          Json.of(
              "{'armGroups':[{'label':'Active','type':'EXPERIMENTAL','description':'MSC',"
                  + "'interventionNames':['Biological: WJMSC']}],"
                  + "'interventions':[{'name':'WJMSC','type':'BIOLOGICAL'}]}"),
          study);
      assertThat(study.getArmFirstRep().getName()).isEqualTo("Active");
      assertThat(study.getArmFirstRep().getDescription()).isEqualTo("MSC; Biological: WJMSC");
      assertThat(study.getFocusFirstRep().getCoding())
          .extracting(Coding::getCode)
          .containsExactly("BIOLOGICAL");
    }
  }

  @Nested
  class Outcomes {
    @Test
    void outcomesAreObjectivesWithTheirTimeFrame() {
      OutcomesReader.read(
          Json.of(
              "{'primaryOutcomes':[{'measure':'C-peptide AUC','timeFrame':'12 months'}],"
                  + "'otherOutcomes':[{'measure':'HbA1c'}]}"),
          study);
      assertThat(study.getObjective()).hasSize(2);
      assertThat(study.getObjectiveFirstRep().getName())
          .isEqualTo("C-peptide AUC (time frame: 12 months)");
      assertThat(study.getObjective().get(1).getType().getCodingFirstRep().getCode())
          .isEqualTo("exploratory");
    }
  }

  @Nested
  class Contacts {
    @Test
    void principalInvestigatorContactsAndSites() {
      List<Location> sites =
          ContactsReader.read(
              Json.of(
                  "{'overallOfficials':[{'name':'Dr A','role':'PRINCIPAL_INVESTIGATOR',"
                      + "'affiliation':'Uppsala'},{'name':'Dr B','role':'STUDY_CHAIR'}],"
                      + "'centralContacts':[{'name':'Nurse','email':'n@example.org'}],"
                      + "'locations':[{'facility':'Akademiska','city':'Uppsala','country':'Sweden',"
                      + "'status':'RECRUITING','geoPoint':{'lat':59.8,'lon':17.6}}]}"),
              "NCT01234567",
              "nct01234567",
              study);
      assertThat(study.getPrincipalInvestigator().getDisplay()).isEqualTo("Dr A, Uppsala");
      assertThat(study.getContact()).extracting(c -> c.getName()).contains("Dr B (STUDY_CHAIR)");
      assertThat(sites)
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.getIdPart()).isEqualTo("nct01234567-site-1");
                assertThat(l.getAddress().getCountry()).isEqualTo("Sweden");
                assertThat(l.getDescription()).contains("NCT01234567").contains("RECRUITING");
              });
      assertThat(study.getSiteFirstRep().getReference()).isEqualTo("Location/nct01234567-site-1");
    }
  }
}
