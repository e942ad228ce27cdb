"""Data in: the force's schools from GIAS, a school's roll (MIS CSV or CTF), staff in bulk.

Parsing is kept apart from writing: a parser turns a file into rows and refusals and never
touches the database; a preview service compares rows with what is held and writes only the
Intake's preview; an apply service writes, all or nothing.
"""
