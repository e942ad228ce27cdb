"""Read a school's roll from a common transfer file (CTF): the DfE's XML for moving pupil data
between schools and local authorities.

Only what the portal keeps is read: the header (version, destination school) and, for each
pupil, the UPN, former UPN, legal and preferred names, date of birth and National Curriculum
year. Everything else in the file (addresses, contacts, assessments, attendance...) is skipped
and never stored.

Nothing here touches the database beyond reading which local authorities exist. The file is
streamed in chunks through defusedxml's parser, no tree is built and each pupil is dropped
once read. A DTD, entity declarations (the "billion laughs") and external entities refuse
the whole file.
"""

import datetime
import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml import ElementTree as SafeET
from django.utils import timezone

from schools.intake.rows import (
    IntakeRefused,
    ParsedRoll,
    Refusal,
    RollRow,
    refuse_repeated_upns,
    year_groups_of,
    year_label,
)
from schools.upn import KNOWN_LA_CODES, compact, la_codes_from_gias, upn_problem

NAME_MAX = 100  # Pupil's name fields
CHUNK = 64 * 1024
# A CTF carries each pupil's attendance and assessment history: a 2,000-pupil secondary's
# full CTF is a few tens of MB. Anything larger is refused while reading, not after.
MAX_BYTES = 100 * 1024 * 1024


def accepted_versions(on: datetime.date | None = None) -> tuple[int, int]:
    """The CTF versions accepted on a day: the current specification's and the one before.

    The DfE numbers each year's CTF after the year its school year starts (CTF 26 is valid from
    September 2026), so from September of year Y the current one is Y's last two digits.
    """
    on = on or timezone.localdate()
    current = on.year % 100 if on.month >= 9 else (on.year - 1) % 100
    return current, current - 1


def looks_like_ctf(head: bytes) -> bool:
    """Whether the first bytes of an upload are a CTF rather than a CSV: XML whose first
    element is <CTfile> (UTF-8, with or without a byte order mark, or UTF-16). Only a hint
    for choosing the parser; parse_ctf decides."""
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = head[:4096].decode(encoding, errors="ignore")
        except UnicodeError:
            continue
        if re.match(r"\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<(\w+:)?CTfile[\s>]", text, re.S):
            return True
    return False


def _local(tag) -> str:
    """A tag without its namespace: some MIS write one, the specification has none."""
    return tag[tag.rfind("}") + 1 :] if isinstance(tag, str) else ""


class _Header:
    def __init__(self, texts: dict, *, school, today):
        self.version = texts.get("CTFversion", "")
        self.dest_la = texts.get("DestSchool/LEA", "")
        self.dest_estab = texts.get("DestSchool/Estab", "")
        self._check_version(today)
        self._check_destination(school)

    def _check_version(self, today):
        current, previous = accepted_versions(today)
        accepted = f"CTF {current} or CTF {previous}"
        match = re.fullmatch(r"(\d{1,2})(?:\.\d+)?", self.version)
        if not self.version:
            raise IntakeRefused(
                f"The file's header has no CTFversion, so it is not a common transfer file "
                f"the portal can read. It accepts {accepted}."
            )
        if match is None or int(match.group(1)) not in (current, previous):
            raise IntakeRefused(
                f"The file is CTF version {self.version[:20]}; the portal accepts {accepted} "
                f"(the current specification and the one before). Ask for it to be exported "
                f"again from an up-to-date MIS."
            )

    def _check_destination(self, school):
        if not school.laestab:
            raise IntakeRefused(
                f"{school.name} has no LAESTAB yet, so the portal cannot check the file is "
                f"meant for it. Ask the force's administrator to import the school from GIAS."
            )
        if not self.dest_la and not self.dest_estab:
            raise IntakeRefused(
                "The file's header names no destination school (DestSchool LEA and Estab), so "
                "the portal cannot check it is meant for this school."
            )
        if f"{self.dest_la}{self.dest_estab}" != school.laestab:
            raise IntakeRefused(
                f"This file is for the school with LA number {self.dest_la[:10] or 'none'} and "
                f"establishment number {self.dest_estab[:10] or 'none'}, but "
                f"{school.name} is LA {school.laestab[:3]}, establishment "
                f"{school.laestab[3:]}. Check the file is the one for this school."
            )


def _pupil(own: dict, basic: dict, *, line, years, la_known, today):
    """One pupil (the texts of its children, and of its BasicDetails' children) as a RollRow,
    or the Refusal of its first problem."""

    def field(name):
        # The specification puts these under BasicDetails; some files have them on Pupil.
        return own.get(name) or basic.get(name, "")

    surname, forename = own.get("Surname", ""), own.get("Forename", "")
    for name, value in (("Surname", surname), ("Forename", forename)):
        if not value:
            return Refusal(line, name, f"The pupil has no {name.lower()}.")
        if len(value) > NAME_MAX:
            return Refusal(line, name, f"The {name.lower()} is longer than {NAME_MAX} characters.")
    for name in ("PreferredSurname", "PreferredForename"):
        if len(field(name)) > NAME_MAX:
            return Refusal(line, name, f"The preferred name is longer than {NAME_MAX} characters.")

    upn, former_upn = compact(own.get("UPN", "")), compact(field("FormerUPN"))
    for name, value in (("UPN", upn), ("FormerUPN", former_upn)):
        if value:
            problem = upn_problem(value, la_known=la_known)
            if problem:
                return Refusal(line, name, problem)

    dob_text = own.get("DOB", "")
    try:
        dob = datetime.date.fromisoformat(dob_text)
    except ValueError:
        why = (
            f"{dob_text[:20]} is not a date of birth (the CTF writes them as YYYY-MM-DD)."
            if dob_text
            else "The pupil has no date of birth."
        )
        return Refusal(line, "DOB", why)
    if len(dob_text) != 10 or dob > today:
        return Refusal(line, "DOB", f"{dob_text[:20]} is not a possible date of birth.")

    year_text = field("NCyearActual").upper()
    year = (
        0
        if year_text == "R"
        else int(year_text)
        if year_text.isascii() and year_text.isdigit()
        else None
    )
    if year is None or year not in years:
        shown = year_text[:10] or "none"
        return Refusal(
            line,
            "NCyearActual",
            f"National Curriculum year {shown} is not one this school teaches "
            f"({year_label(years[0])} to {year_label(years[-1])}).",
        )
    return RollRow(
        line=line,
        legal_surname=surname,
        legal_forename=forename,
        date_of_birth=dob,
        year_group=year,
        upn=upn,
        former_upn=former_upn,
        preferred_surname=field("PreferredSurname"),
        preferred_forename=field("PreferredForename"),
    )


class _Target:
    """Receives the parser's start, data and end calls and keeps only what the portal reads.

    No tree is built: a pupil is two small dicts of texts (its own children, and those of its
    BasicDetails), turned into a row or a refusal when its </Pupil> arrives, then dropped.
    """

    def __init__(self, *, school, years, la_known, today):
        self.school, self.years, self.la_known, self.today = school, years, la_known, today
        self.parsed = ParsedRoll()
        self.header = None
        self.header_texts = {}
        self.path = []
        self.texts = []
        self.own, self.basic = {}, {}
        self.upn_lines: dict[str, list[int]] = {}  # every pupil's, refused or not

    def start(self, tag, attrib):
        name = _local(tag)
        self.path.append(name)
        self.texts = []
        if len(self.path) == 1 and name != "CTfile":
            raise IntakeRefused(
                f"This is XML but not a common transfer file: it starts with <{name[:40]}> "
                f"where a CTF starts with <CTfile>."
            )

    def data(self, text):
        self.texts.append(text)

    def end(self, tag=None):
        path, depth = self.path, len(self.path)
        section = path[1] if depth > 1 else ""
        if section == "Header":
            if depth == 2:
                self.header = _Header(self.header_texts, school=self.school, today=self.today)
            else:
                self.header_texts.setdefault("/".join(path[2:]), "".join(self.texts).strip())
        elif section == "CTFpupilData" and depth > 2 and path[2] == "Pupil":
            if depth == 3:
                self._pupil_ends()
            elif depth == 4:
                self.own.setdefault(path[3], "".join(self.texts).strip())
            elif depth == 5 and path[3] == "BasicDetails":
                self.basic.setdefault(path[4], "".join(self.texts).strip())
        self.texts = []
        path.pop()

    def _pupil_ends(self):
        if self.header is None:
            raise IntakeRefused(
                "The file's pupils come before its header; a CTF starts with the header."
            )
        line = len(self.parsed.rows) + len(self.parsed.refused) + 1
        if upn := compact(self.own.get("UPN", "")):
            self.upn_lines.setdefault(upn, []).append(line)
        result = _pupil(
            self.own,
            self.basic,
            line=line,
            years=self.years,
            la_known=self.la_known,
            today=self.today,
        )
        if isinstance(result, Refusal):
            self.parsed.refused.append(result)
        else:
            self.parsed.rows.append(result)
        self.own, self.basic = {}, {}

    def close(self):
        return self.parsed


def parse_ctf(
    stream, *, school, today: datetime.date | None = None, max_bytes: int = MAX_BYTES
) -> ParsedRoll:
    """Parse a CTF (a binary file object) into the rows of a roll for `school`.

    Raises IntakeRefused when the whole file cannot be taken: not XML, cut short, a DTD or
    entities, not a CTF, a version not accepted, meant for another school. Pupils with a
    problem are Refusals with their position in the file (from 1), the field and why.
    """
    today = today or timezone.localdate()
    years = year_groups_of(school)
    gias_codes = None

    def la_known(code):
        nonlocal gias_codes
        if gias_codes is None:  # one query, and only if a UPN names an LA outside the table
            gias_codes = la_codes_from_gias()
        return code in gias_codes or code in KNOWN_LA_CODES

    target = _Target(school=school, years=years, la_known=la_known, today=today)
    parser = SafeET.DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    # ElementTree wraps every element event in Python of its own before the target sees it;
    # hand expat's events straight to the target instead (a third faster). defusedxml's
    # guards (DTD, entity declarations, external references) stay set on the same parser.
    parser.parser.StartElementHandler = target.start
    parser.parser.EndElementHandler = target.end
    parser.parser.CharacterDataHandler = target.data
    try:
        read = 0
        while chunk := stream.read(CHUNK):
            read += len(chunk)
            if read > max_bytes:
                raise IntakeRefused(
                    f"The file is larger than {max_bytes / (1024 * 1024):.1f} MB, the most a "
                    f"CTF may be here; nothing was read from it."
                )
            parser.feed(chunk)
        parser.close()
    except ET.ParseError as error:
        line, column = error.position
        raise IntakeRefused(
            f"The file is not a well-formed XML document (line {line}, column {column + 1}): "
            f"{_parse_error_words(error)}. It may be cut short, or not a CTF at all."
        ) from None
    except DTDForbidden:
        raise IntakeRefused(
            "The file declares a document type (DTD). A CTF never does, and the portal refuses "
            "XML that does, because it can hide entity expansions and references to other files."
        ) from None
    except EntitiesForbidden:
        raise IntakeRefused(
            "The file declares XML entities. A CTF never does, and the portal refuses them: they "
            "can expand to gigabytes (the \u2018billion laughs\u2019) or read other files."
        ) from None
    except DefusedXmlException:
        raise IntakeRefused(
            "The file refers to something outside itself (an external entity or DTD). The "
            "portal refuses such XML."
        ) from None
    if target.header is None:
        raise IntakeRefused("The file has no CTF header, so it is not a common transfer file.")
    refuse_repeated_upns(target.parsed, also="also given to pupil", lines_of=target.upn_lines)
    return target.parsed


def _parse_error_words(error: ET.ParseError) -> str:
    """expat's message without its own position (we give ours)."""
    return re.sub(r":\s*line \d+, column \d+$", "", str(error)) or "unreadable"
