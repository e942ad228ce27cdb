"""What the core holds about pupils (see ssp/held.py): no kind of its own.

- The access log names records by code only, never a name or a word of what they say. Its
  rows are evidence of who read what, kept under the access log's own retention rule, not
  the record's: they stay when the record goes (and then name a code nothing answers to).
- A notification names a record by its link and reference only. One not yet e-mailed (the
  outbox) is forgotten with the record it is about: nobody is to be sent to a record that
  is no longer there. One already sent says only that someone was told; it stays under the
  notifications' own retention rule.
"""

from django.db.models import Q

from ssp.held import Mention

from .models import Notification


def held_about(pupils):
    return []


def mentions(codes):
    codes = [str(code) for code in codes]
    if not codes:
        return []
    # One pass over the outbox whatever the number of codes (UUIDs: nothing to escape).
    linked = Q(link__regex="|".join(codes))
    return [
        Mention(
            label="Notifications not yet sent",
            rows=Notification.objects.filter(linked, email_sent_at__isnull=True),
        )
    ]
