#!/usr/bin/env python3
"""Generate the synthetic GXIPC1 phase 1 cohort as one FHIR R4 transaction Bundle.

Python 3 standard library only and fully deterministic: every value below is written out by hand
(no random numbers), so running the script again produces a byte-identical bundle.

    python3 docs/gxipc1-cohort/generate.py

writes docs/gxipc1-cohort/gxipc1-cohort-bundle.json next to this script; check.py verifies that the
bundle reproduces the figures of the published abstract. The data are synthetic (no real patient)
and dedicated to the public domain (CC0 1.0).
"""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parent / "gxipc1-cohort-bundle.json"

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
TRIAL_LAB = "http://trialfhir.org/fhir/CodeSystem/trial-lab"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
AE_RELATEDNESS = "http://trialfhir.org/fhir/CodeSystem/ae-relatedness"
IDENTIFIER_SYSTEM = "urn:trialfhir:example:gxipc1"
STUDY = "ResearchStudy/gxipc1-phase1"
MEDICATION = "Medication/gxipc1"
# Marks every resource as test data (HL7 v3 ActReason HTEST), so nobody mistakes it for a real record.
SYNTHETIC_TAG = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
    "code": "HTEST",
    "display": "test health data",
}

# Unit conversions (standard value -> reported value). check.py applies the inverse.
IFCC_OFFSET = Decimal("2.15")  # HbA1c mmol/mol = (percent - 2.15) x 10.929
IFCC_FACTOR = Decimal("10.929")
GLUCOSE_MG_PER_MMOL = Decimal("18.016")  # glucose mg/dL = mmol/L x 18.016 (M = 180.16 g/mol)
PMOL_PER_NMOL = Decimal("1000")  # C-peptide pmol/L = nmol/L x 1000
FOUR_DECIMALS = Decimal("0.0001")

# Subjects: (key, gender, age in completed years at infusion, infusion day (day 0),
#            days between the last birthday and the infusion).
SUBJECTS = [
    ("gx01", "male", 12, "2024-03-04", 47),
    ("gx02", "female", 9, "2024-03-15", 133),
    ("gx03", "male", 14, "2024-03-26", 212),
    ("gx04", "female", 7, "2024-04-08", 301),
    ("gx05", "male", 10, "2024-04-19", 88),
    ("gx06", "female", 16, "2024-05-02", 25),
    ("gx07", "male", 6, "2024-05-14", 176),
    ("gx08", "female", 13, "2024-05-27", 259),
    ("gx09", "male", 11, "2024-06-10", 64),
    ("gx10", "female", 8, "2024-06-24", 190),
]
KEYS = [s[0] for s in SUBJECTS]
FOLLOW_UP_DAYS = 182  # ResearchSubject.period.end = day 182

# Visits: key -> (label, study day of each subject gx01..gx10).
# Windows: baseline day -3..0, 1 month day 28..33, 3 months day 88..95, 6 months day 178..186;
# the 6-month days used here stay within 178..182 so that they fall inside the subject's period.
VISITS = {
    "bl": ("baseline", [-1, 0, -2, -3, 0, -1, -2, 0, -3, -1]),
    "m1": ("1 month", [28, 30, 33, 29, 31, 32, 28, 30, 29, 33]),
    "m3": ("3 months", [90, 88, 95, 91, 89, 93, 92, 94, 88, 90]),
    "m6": ("6 months", [180, 182, 178, 181, 179, 182, 180, 178, 181, 179]),
}

# Values in the STANDARD unit (HbA1c %, glucose mmol/L, C-peptide nmol/L, insulin IU/day),
# per visit, subjects gx01..gx10 in order. Non-standard units are derived from these below.
HBA1C = {
    "bl": ["7.85", "7.32", "8.65", "8.12", "7.64", "8.93", "7.06", "7.58", "8.37", "7.71"],
    "m1": ["7.61", "7.05", "8.45", "7.83", "7.12", "8.58", "6.98", "7.40", "8.02", "7.44"],
    # median of 7.38 and 7.44 = 7.41
    "m3": ["7.52", "6.95", "8.05", "7.44", "6.78", "8.21", "7.12", "7.38", "7.86", "7.29"],
    # median of 8.24 and 8.30 = 8.27; below own baseline: gx02, gx05, gx06; below 7.5: gx02, gx05
    "m6": ["8.30", "7.18", "9.15", "8.24", "7.02", "8.71", "7.96", "8.12", "8.84", "8.46"],
}
GLUCOSE = {
    # median of 15.1 and 15.5 = 15.3
    "bl": ["16.8", "13.9", "15.1", "18.2", "12.4", "15.5", "19.6", "14.2", "17.3", "11.8"],
    # median of 5.6 and 6.0 = 5.8
    "m1": ["6.4", "5.2", "6.0", "7.1", "4.9", "5.6", "8.3", "5.4", "6.7", "4.6"],
    "m3": ["7.2", "6.1", "7.8", "8.4", "5.3", "6.6", "9.1", "6.9", "7.5", "5.8"],
    "m6": ["8.9", "7.4", "9.3", "10.2", "6.2", "8.1", "10.8", "8.6", "9.5", "7.0"],
}
C_PEPTIDE = {
    # baseline median 0.365; the other visits' medians are 0.375, 0.355 and 0.345
    "bl": ["0.31", "0.42", "0.24", "0.38", "0.55", "0.27", "0.45", "0.35", "0.29", "0.48"],
    "m1": ["0.33", "0.44", "0.22", "0.39", "0.58", "0.28", "0.43", "0.36", "0.30", "0.50"],
    "m3": ["0.32", "0.41", "0.23", "0.37", "0.61", "0.26", "0.44", "0.34", "0.31", "0.47"],
    "m6": ["0.29", "0.40", "0.21", "0.36", "0.52", "0.25", "0.42", "0.33", "0.28", "0.46"],
}
INSULIN = {
    # median of 22 and 23 = 22.5
    "bl": ["26", "18", "30", "14", "20", "34", "12", "23", "28", "22"],
    "m1": ["18", "12", "22", "10", "8", "26", "9", "16", "20", "14"],
    # median of 12 and 13 = 12.5; gx05 is insulin-independent (0) at 3 months
    "m3": ["14", "10", "18", "8", "0", "21", "6", "12", "16", "13"],
    "m6": ["20", "14", "25", "11", "4", "29", "9", "18", "22", "16"],
}

# Unit variations included on purpose (the server normalises units).
HBA1C_IFCC = {"gx03"}  # all HbA1c of gx03 in mmol/mol
GLUCOSE_MG_DL = {"gx07"}  # all fasting glucose of gx07 in mg/dL
C_PEPTIDE_PMOL = {("gx02", "m3")}  # one C-peptide in pmol/L

# Adverse events: (id, subject, study day, event, severity).
EVENTS = {
    "hypo": ("302866003", "Hypoglycemia", "Hypoglycaemia, managed by insulin dose adjustment"),
    "uri": ("54150009", "Upper respiratory infection", "Upper respiratory tract infection"),
    "headache": ("25064002", "Headache", "Headache"),
}
ADVERSE_EVENTS = [
    ("ae1", "gx02", 12, "hypo", "mild"),
    ("ae2", "gx02", 71, "uri", "moderate"),
    ("ae3", "gx04", 40, "hypo", "mild"),
    ("ae4", "gx05", 19, "hypo", "mild"),
    ("ae5", "gx05", 97, "hypo", "moderate"),
    ("ae6", "gx07", 3, "headache", "mild"),
    ("ae7", "gx08", 55, "hypo", "mild"),
    ("ae8", "gx10", 126, "hypo", "mild"),
]


def number(d):
    """A Decimal as a JSON number, written with exactly its digits (no float noise)."""
    if d == d.to_integral_value():
        return int(d)
    f = float(d)
    assert Decimal(repr(f)) == d, d  # repr is the shortest round-trip form: same digits
    return f


def exact(converted, back, standard, what):
    """Round to 4 decimals and make sure converting back gives the intended standard value."""
    reported = converted.quantize(FOUR_DECIMALS)
    assert abs(back(reported) - standard) < Decimal("0.0005"), (what, standard, reported)
    return reported


def day(subject_index, offset):
    return dt.date.fromisoformat(SUBJECTS[subject_index][3]) + dt.timedelta(days=offset)


def quantity(value, unit, code):
    return {"value": number(value), "unit": unit, "system": UCUM, "code": code}


def lab_category(code, display):
    return [{"coding": [{"system": OBS_CATEGORY, "code": code, "display": display}]}]


def put(resource):
    return {
        "resource": resource,
        "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
    }


def meta():
    return {"tag": [dict(SYNTHETIC_TAG)]}


def observation(key, analyte, visit, when, code, category, value):
    return {
        "resourceType": "Observation",
        "id": f"gxipc1-{key}-{analyte}-{visit}",
        "meta": meta(),
        "status": "final",
        "category": category,
        "code": code,
        "subject": {"reference": f"Patient/gxipc1-{key}"},
        "effectiveDateTime": when.isoformat(),
        "valueQuantity": value,
    }


def hba1c_value(key, percent):
    if key in HBA1C_IFCC:
        ifcc = exact(
            (percent - IFCC_OFFSET) * IFCC_FACTOR,
            lambda r: r / IFCC_FACTOR + IFCC_OFFSET,
            percent,
            f"{key} HbA1c",
        )
        return quantity(ifcc, "mmol/mol", "mmol/mol")
    return quantity(percent, "%", "%")


def glucose_value(key, mmol):
    if key in GLUCOSE_MG_DL:
        mg = exact(mmol * GLUCOSE_MG_PER_MMOL, lambda r: r / GLUCOSE_MG_PER_MMOL, mmol, key)
        return quantity(mg, "mg/dL", "mg/dL")
    return quantity(mmol, "mmol/L", "mmol/L")


def c_peptide_value(key, visit, nmol):
    if (key, visit) in C_PEPTIDE_PMOL:
        pmol = exact(nmol * PMOL_PER_NMOL, lambda r: r / PMOL_PER_NMOL, nmol, key)
        return quantity(pmol, "pmol/L", "pmol/L")
    return quantity(nmol, "nmol/L", "nmol/L")


HBA1C_CODE = {
    "coding": [
        {"system": LOINC, "code": "4548-4", "display": "Hemoglobin A1c/Hemoglobin.total in Blood"}
    ]
}
GLUCOSE_CODE = {"coding": [{"system": LOINC, "code": "1558-6"}]}
C_PEPTIDE_CODE = {
    "coding": [
        {"system": TRIAL_LAB, "code": "c-peptide-fasting", "display": "C-peptide, fasting sample"},
        {"system": LOINC, "code": "1986-9"},
    ]
}
INSULIN_CODE = {
    "coding": [
        {"system": TRIAL_LAB, "code": "insulin-daily-dose", "display": "Total daily insulin dose"}
    ]
}
LABORATORY = lab_category("laboratory", "Laboratory")
THERAPY = lab_category("therapy", "Therapy")


def subject_entries(i):
    key, gender, age, infusion, since_birthday = SUBJECTS[i]
    day0 = dt.date.fromisoformat(infusion)
    birth = day0.replace(year=day0.year - age) - dt.timedelta(days=since_birthday)
    patient = {
        "resourceType": "Patient",
        "id": f"gxipc1-{key}",
        "meta": meta(),
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": key}],
        "name": [{"use": "anonymous", "text": f"GXIPC1 synthetic subject {key}"}],
        "gender": gender,
        "birthDate": birth.isoformat(),
    }
    research_subject = {
        "resourceType": "ResearchSubject",
        "id": f"gxipc1-{key}",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": key}],
        "status": "off-study",
        "period": {
            "start": day0.isoformat(),
            "end": (day0 + dt.timedelta(days=FOLLOW_UP_DAYS)).isoformat(),
        },
        "study": {"reference": STUDY},
        "individual": {"reference": f"Patient/gxipc1-{key}"},
        "assignedArm": "GXIPC1",
        "actualArm": "GXIPC1",
    }
    entries = [put(patient), put(research_subject)]
    for visit, (_, days) in VISITS.items():
        when = day(i, days[i])
        entries.append(put(observation(
            key, "hba1c", visit, when, HBA1C_CODE, LABORATORY,
            hba1c_value(key, Decimal(HBA1C[visit][i])))))
        entries.append(put(observation(
            key, "glucose", visit, when, GLUCOSE_CODE, LABORATORY,
            glucose_value(key, Decimal(GLUCOSE[visit][i])))))
        entries.append(put(observation(
            key, "cpeptide", visit, when, C_PEPTIDE_CODE, LABORATORY,
            c_peptide_value(key, visit, Decimal(C_PEPTIDE[visit][i])))))
        dose = Decimal(INSULIN[visit][i])
        insulin = observation(
            key, "insulin", visit, when, INSULIN_CODE, THERAPY,
            quantity(dose, "IU/day", "[IU]/d"))
        if dose == 0:
            insulin["note"] = [{"text": "No exogenous insulin (insulin independent)."}]
        entries.append(put(insulin))
    return entries


def adverse_event(ae_id, key, study_day, event, severity):
    code, display, text = EVENTS[event]
    i = KEYS.index(key)
    return {
        "resourceType": "AdverseEvent",
        "id": f"gxipc1-{ae_id}",
        "meta": meta(),
        "actuality": "actual",
        "event": {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": text},
        "subject": {"reference": f"Patient/gxipc1-{key}"},
        "date": day(i, study_day).isoformat(),
        "seriousness": {
            "coding": [{"system": AE_SERIOUSNESS, "code": "Non-serious", "display": "Non-serious"}]
        },
        "severity": {
            "coding": [
                {"system": AE_SEVERITY, "code": severity, "display": severity.capitalize()}
            ]
        },
        "outcome": {
            "coding": [{"system": AE_OUTCOME, "code": "resolved", "display": "Resolved"}]
        },
        "suspectEntity": [
            {
                "instance": {"reference": MEDICATION},
                "causality": [
                    {
                        "assessment": {
                            "coding": [
                                {
                                    "system": AE_RELATEDNESS,
                                    "code": "not-related",
                                    "display": "Not related",
                                }
                            ],
                            "text": "Not related to GXIPC1",
                        }
                    }
                ],
            }
        ],
        "study": [{"reference": STUDY}],
    }


def bundle():
    medication = {
        "resourceType": "Medication",
        "id": "gxipc1",
        "meta": meta(),
        "code": {"text": "GXIPC1 (allogeneic adipose-derived MSCs)"},
    }
    entries = [put(medication)]
    for i in range(len(SUBJECTS)):
        entries.extend(subject_entries(i))
    entries.extend(put(adverse_event(*ae)) for ae in ADVERSE_EVENTS)
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def main():
    OUT.write_text(json.dumps(bundle(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
