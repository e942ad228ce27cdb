"""A change made by someone else between a view's gate and its write: the race a write's lock
and fresh re-check are for.

The page's gate (`get_visible_or_404`, through the app's `get_<record>_for`) lets the person in;
before the view's service takes its lock, another request ends their place, their assignment or
the school's DSA. Nothing of the view or the service is replaced: the gate is called as it is,
then the change runs once.
"""


def after_the_gate(monkeypatch, module, change) -> None:
    """The first record `module`'s gate lets through in this test is followed by `change()`,
    as if another request had committed it at that moment. `module` is the one that calls
    `get_visible_or_404`: an app's access.py, or a view that asks a second gate of its own
    (the change then comes after the last gate)."""
    gate = module.get_visible_or_404
    pending = [change]

    def gate_then_change(*args, **kwargs):
        record = gate(*args, **kwargs)
        while pending:
            pending.pop()()
        return record

    monkeypatch.setattr(module, "get_visible_or_404", gate_then_change)
