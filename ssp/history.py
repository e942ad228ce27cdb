"""Who a history row names: a person, or no one.

simple-history names whoever the request carries (`request.user`) when a write does not say
(`instance._history_user`, which it always reads first). A request can carry something that
is not a person: the force's machine client's principal on an API call, or AnonymousUser.
Neither is a `User`, so neither may be written as one; the record itself says which client
sent it. Every model keeps its history with this module's HistoricalRecords, so the rule is
configured once (simple-history has no setting for it, only a `get_user` per model).
"""

from django.contrib.auth import get_user_model
from simple_history import models as simple_history


def history_user(request=None, **kwargs):
    """The person behind the request, if it is a person; otherwise no one."""
    user = getattr(request, "user", None)
    return user if isinstance(user, get_user_model()) else None


class HistoricalRecords(simple_history.HistoricalRecords):
    """simple-history's, naming the acting user through `history_user` and nothing else."""

    def __init__(self, **options):
        super().__init__(get_user=history_user, **options)
