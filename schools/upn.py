"""The Unique Pupil Number, checked the DfE's way, against every local authority there is.

python-stdnum's `stdnum.gb.upn` computes the check letter correctly (temporary UPNs too), but
its list of local authority numbers dates from 2011: it refuses UPNs issued in authorities
created since (Dorset and Bournemouth, Christchurch and Poole in 2019, the two
Northamptonshires in 2021, Cumberland and Westmorland and Furness in 2023). The portal keeps
using the library's check-letter code and decides the local authority itself: from its own
dated table below, then from the authorities the GIAS import has seen (`LocalAuthority`), so a
new authority is known as soon as the force imports GIAS, without a release.

A UPN is 13 characters: a check letter, the 3-digit LA number of the school that issued it,
the school's 4-digit DfE number, 2 digits for the year of issue and a 3-digit serial. A
temporary UPN ends in a letter instead of the serial's last digit. The check letter is the sum
of each of the other 12 characters' values (digits as themselves, letters A=0 ... Z=22, with
I, O and S not used) times its position (2 to 13), modulo 23, as a letter.
"""

import datetime

from stdnum.gb import upn as stdnum_upn

# When this table was last checked against the DfE's list of local authority numbers
# (the "LA (code)" column of Get Information about Schools, and the DfE's announcements of
# new authorities). The last change it reflects took effect on 1 April 2023.
LA_CODES_CHECKED_ON = datetime.date(2026, 12, 4)

# Authorities the library does not know, with the day they were created. UPNs issued by
# authorities that have since been abolished (Cumbria 909, Northamptonshire 928, Poole 836,
# Bournemouth 837, the old Dorset 835) stay valid for the pupils who hold them, so no number
# is ever removed from these tables.
NEWER_LA_CODES = {
    "838": ("Dorset", datetime.date(2019, 4, 1)),
    "839": ("Bournemouth, Christchurch and Poole", datetime.date(2019, 4, 1)),
    "940": ("North Northamptonshire", datetime.date(2021, 4, 1)),
    "941": ("West Northamptonshire", datetime.date(2021, 4, 1)),
    "942": ("Cumberland", datetime.date(2023, 4, 1)),
    "943": ("Westmorland and Furness", datetime.date(2023, 4, 1)),
}

# Welsh local authorities also issue UPNs (660 Isle of Anglesey to 681 Cardiff), and a pupil
# who moves to an English school keeps theirs.
WELSH_LA_CODES = frozenset(f"{n}" for n in range(660, 682))

# The English authorities of the DfE's 2011 list of LA numbers (the list python-stdnum also
# carries), kept here so the portal does not lean on the library's private table.
LA_CODES_2011 = frozenset(
    # fmt: off
    " ".join(
        (
            "201 202 203 204 205 206 207 208 209 210 211 212 213",
            "301 302 303 304 305 306 307 308 309 310 311 312 313 314 315 316 317 318 319 320",
            "330 331 332 333 334 335 336 340 341 342 343 344",
            "350 351 352 353 354 355 356 357 358 359 370 371 372 373",
            "380 381 382 383 384 390 391 392 393 394 420",
            "800 801 802 803 805 806 807 808 810 811 812 813 815 816 821 822 823 825 826",
            "830 831 835 836 837 840 841 845 846 850 851 852 855 856 857",
            "860 861 865 866 867 868 869 870 871 872 873 874 876 877 878 879",
            "880 881 882 883 884 885 886 887 888 889 890 891 892 893 894 895 896",
            "908 909 916 919 921 925 926 928 929 931 933 935 936 937 938",
        )
    ).split(" ")
    # fmt: on
)

KNOWN_LA_CODES = LA_CODES_2011 | frozenset(NEWER_LA_CODES) | WELSH_LA_CODES

# The letters a UPN may hold: A-Z without I, O and S.
LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def compact(value: str) -> str:
    return stdnum_upn.compact(value)


def upn_problem(value: str, *, la_known=None) -> str:
    """Why `value` is not a valid UPN, or "" when it is.

    `la_known(code) -> bool` says whether a 3-digit LA number outside the table is one the
    portal knows (by default: a LocalAuthority row); it is asked only for such numbers.
    """
    number = compact(value)
    if len(number) != 13:
        return f"Enter a valid UPN: it has 13 characters, this has {len(number)}."
    if number[0] not in LETTERS:
        return "Enter a valid UPN: it starts with a check letter (A to Z, without I, O or S)."
    if not number[1:12].isdigit() or not number[1:12].isascii():
        return "Enter a valid UPN: after the check letter come 11 digits."
    if not (number[12].isdigit() and number[12].isascii()) and number[12] not in LETTERS:
        return "Enter a valid UPN: the last character is a digit, or a letter for a temporary UPN."
    la = number[1:4]
    if la not in KNOWN_LA_CODES:
        if la_known is None:
            la_known = _in_local_authorities
        if not la_known(la):
            return f"Enter a valid UPN: {la} is not the number of a local authority."
    if stdnum_upn.calc_check_digit(number[1:]) != number[0]:
        return "Enter a valid UPN: the check letter does not match the other 12 characters."
    return ""


def _in_local_authorities(code: str) -> bool:
    from schools.models import LocalAuthority

    return LocalAuthority.objects.filter(code=code).exists()


def la_codes_from_gias() -> frozenset[str]:
    """Every LA number the GIAS import has seen: one query, for checking many UPNs at once."""
    from schools.models import LocalAuthority

    return frozenset(LocalAuthority.objects.values_list("code", flat=True))


def with_check_letter(body: str) -> str:
    """The full UPN for a 12-character body (LA, establishment, year, serial)."""
    return stdnum_upn.calc_check_digit(body) + body
