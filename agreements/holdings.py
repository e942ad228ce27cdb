"""What this app holds about pupils (see ssp/held.py): no kind of its own.

A disclosure in the information-sharing log names one record (a concern, an enquiry's
message, an incident's summary, a referral, a conference, an Encompass notification) by its
code. It is the record's: it says that this record about a child went from one side to the
other, so it is kept as long as the record is and goes with it. Kept alone after the record
it would still tie a school, a date and a recipient to the code the access log and the
record's other copies know it by. The certificate counts how many went.
"""

from ssp.held import Mention

from .models import Disclosure


def held_about(pupils):
    return []


def mentions(codes):
    return [
        Mention(label="Sharing log entries", rows=Disclosure.objects.filter(record_code__in=codes))
    ]
