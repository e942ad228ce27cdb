"""GIAS "all establishment data" files for tests and the bench: the real 140-column header
(as in edubasealldataYYYYMMDD.csv), every field quoted, encoded in Windows-1252."""

import csv
import io

COLUMNS = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
    "TypeOfEstablishment (code)", "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (code)", "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (code)", "EstablishmentStatus (name)",
    "ReasonEstablishmentOpened (code)", "ReasonEstablishmentOpened (name)", "OpenDate",
    "ReasonEstablishmentClosed (code)", "ReasonEstablishmentClosed (name)", "CloseDate",
    "PhaseOfEducation (code)", "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge",
    "Boarders (code)", "Boarders (name)", "NurseryProvision (name)",
    "OfficialSixthForm (code)", "OfficialSixthForm (name)", "Gender (code)", "Gender (name)",
    "ReligiousCharacter (code)", "ReligiousCharacter (name)", "ReligiousEthos (name)",
    "Diocese (code)", "Diocese (name)", "AdmissionsPolicy (code)", "AdmissionsPolicy (name)",
    "SchoolCapacity", "SpecialClasses (code)", "SpecialClasses (name)", "CensusDate",
    "NumberOfPupils", "NumberOfBoys", "NumberOfGirls", "PercentageFSM",
    "TrustSchoolFlag (code)", "TrustSchoolFlag (name)", "Trusts (code)", "Trusts (name)",
    "SchoolSponsorFlag (name)", "SchoolSponsors (name)", "FederationFlag (name)",
    "Federations (code)", "Federations (name)", "UKPRN", "FEHEIdentifier",
    "FurtherEducationType (name)", "OfstedLastInsp", "OfstedSpecialMeasures (code)",
    "OfstedSpecialMeasures (name)", "LastChangedDate", "Street", "Locality", "Address3", "Town",
    "County (name)", "Postcode", "SchoolWebsite", "TelephoneNum", "HeadTitle (name)",
    "HeadFirstName", "HeadLastName", "HeadPreferredJobTitle", "BSOInspectorateName (name)",
    "InspectorateReport", "DateOfLastInspectionVisit", "NextInspectionVisit", "TeenMoth (name)",
    "TeenMothPlaces", "CCF (name)", "SENPRU (name)", "EBD (name)", "PlacesPRU", "FTProv (name)",
    "EdByOther (name)", "Section41Approved (name)", "SEN1 (name)", "SEN2 (name)", "SEN3 (name)",
    "SEN4 (name)", "SEN5 (name)", "SEN6 (name)", "SEN7 (name)", "SEN8 (name)", "SEN9 (name)",
    "SEN10 (name)", "SEN11 (name)", "SEN12 (name)", "SEN13 (name)",
    "TypeOfResourcedProvision (name)", "ResourcedProvisionOnRoll", "ResourcedProvisionCapacity",
    "SenUnitOnRoll", "SenUnitCapacity", "GOR (code)", "GOR (name)",
    "DistrictAdministrative (code)", "DistrictAdministrative (name)", "AdministrativeWard (code)",
    "AdministrativeWard (name)", "ParliamentaryConstituency (code)",
    "ParliamentaryConstituency (name)", "UrbanRural (code)", "UrbanRural (name)",
    "GSSLACode (name)", "Easting", "Northing", "MSOA (name)", "LSOA (name)",
    "InspectorateName (name)", "SENStat", "SENNoStat", "BoardingEstablishment (name)",
    "PropsName", "PreviousLA (code)", "PreviousLA (name)", "PreviousEstablishmentNumber",
    "OfstedRating (name)", "RSCRegion (name)", "Country (name)", "UPRN", "SiteName",
    "QABName (code)", "QABName (name)", "EstablishmentAccredited (code)",
    "EstablishmentAccredited (name)", "QABReport", "CHNumber", "MSOA (code)", "LSOA (code)",
    "FSM", "AccreditationExpiryDate",
]  # fmt: skip

PHASE_CODES = {"Primary": "2", "Secondary": "4", "All-through": "7", "16 plus": "6",
               "Not applicable": "0", "Nursery": "1", "Middle deemed secondary": "5"}  # fmt: skip
STATUS_CODES = {"Open": "1", "Closed": "2", "Open, but proposed to close": "3",
                "Proposed to open": "4"}  # fmt: skip


def school_row(urn, *, la="926", la_name="Norfolk", number="4001", name="Test High School",
               phase="Secondary", status="Open", type_name="Academy converter",
               opened="01-09-2011", closed="", low="11", high="18", pupils="1000", fsm="12.5",
               street="School Lane", town="Norwich", postcode="NR1 1AA", **extra):  # fmt: skip
    """One establishment, as a dict of GIAS column to value; other columns get plausible
    filler (a head teacher's name among them, which the import must not keep)."""
    row = dict.fromkeys(COLUMNS, "")
    row |= {
        "URN": str(urn), "LA (code)": la, "LA (name)": la_name, "EstablishmentNumber": number,
        "EstablishmentName": name, "TypeOfEstablishment (code)": "28",
        "TypeOfEstablishment (name)": type_name, "EstablishmentTypeGroup (code)": "10",
        "EstablishmentTypeGroup (name)": "Academies",
        "EstablishmentStatus (code)": STATUS_CODES.get(status, "9"),
        "EstablishmentStatus (name)": status, "OpenDate": opened, "CloseDate": closed,
        "PhaseOfEducation (code)": PHASE_CODES.get(phase, "9"),
        "PhaseOfEducation (name)": phase, "StatutoryLowAge": low, "StatutoryHighAge": high,
        "Gender (name)": "Mixed", "SchoolCapacity": "1200", "CensusDate": "16-01-2025",
        "NumberOfPupils": pupils, "NumberOfBoys": "", "NumberOfGirls": "",
        "PercentageFSM": fsm, "Street": street, "Town": town, "County (name)": "",
        "Postcode": postcode, "HeadTitle (name)": "Mrs", "HeadFirstName": "Héloïse",
        "HeadLastName": "Ångström", "GOR (name)": "East of England",
        "Country (name)": "United Kingdom", "UKPRN": "10000000", "Easting": "623000",
        "Northing": "308000", "LastChangedDate": "01-12-2026",
    }  # fmt: skip
    row.update(extra)
    return row


def gias_bytes(rows, *, columns=COLUMNS, encoding="cp1252", delimiter=",") -> bytes:
    """A whole file as GIAS publishes it: CRLF lines, every field in double quotes."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode(encoding)
