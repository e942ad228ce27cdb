"""Log lines that say what happened without saying about whom.

Each request gets an id, added to every line logged while it is served, so one request's
lines can be found together. E-mail addresses are blanked from every message as a last
guard: messages name records by their UUID, never by a person.
"""

import contextvars
import logging
import re
import uuid

_request_id = contextvars.ContextVar("request_id", default="")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class RequestContext(logging.Filter):
    def filter(self, record):
        record.request_id = _request_id.get()
        message = record.getMessage()
        if "@" in message:
            record.msg, record.args = EMAIL.sub("[e-mail]", message), ()
        return True


def request_id_middleware(get_response):
    def middleware(request):
        # Made here, never taken from a header: a client cannot choose what the logs say.
        # Not reset on the way out: Django logs a 4xx or 5xx after the middleware returns,
        # and that line belongs to this request too; the next request sets its own.
        _request_id.set(uuid.uuid4().hex)
        return get_response(request)

    return middleware
