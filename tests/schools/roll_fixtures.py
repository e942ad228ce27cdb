"""Rolls as a school's MIS exports them, for the roll tests (CSV text, UPNs that check)."""

from stdnum.gb import upn as stdnum_upn

HEADER = "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year"
MAPPING = {
    "upn": "UPN",
    "legal_surname": "Legal Surname",
    "legal_forename": "Legal Forename",
    "preferred_forename": "Preferred Forename",
    "date_of_birth": "DOB",
    "year_group": "Year",
}


def upn(n: int) -> str:
    """A valid permanent UPN in LA 873 (the factories' authority), numbered n."""
    body = f"873{(n // 1000) % 10000:04d}31{n % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def roll(*lines: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\r\n".join([header, *lines]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def pupil_line(n: int, surname=None, forename=None, year="Year 9", born="01/05/2012", known=""):
    return (
        f"{upn(n)},{surname or f'Surname{n}'},{forename or f'Forename{n}'},{known},{born},{year}"
    )


def big_roll(count: int, *, start: int = 0) -> bytes:
    years = ["Year 7", "Y8", "9", "Year 10", "Yr 11"]
    return roll(
        *(
            pupil_line(n, year=years[n % 5], born=f"{1 + n % 28:02d}/{1 + n % 12:02d}/2011")
            for n in range(start, start + count)
        )
    )
