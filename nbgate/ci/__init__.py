"""nbgate ci: check a pull request's notebooks and report for review.

``inputs`` (the Action's inputs under the flags), ``base`` (which commit to
compare with), ``checks`` (gate stages, smoke tests, registry), ``smoke``
and ``pytest_progress`` (the smoke run through pytest, read from its JUnit
XML, and its live progress feed), ``schedules`` (registry verify and the
re-test of added schedules), ``report`` (the markdown report),
``annotations`` (workflow commands) and ``command`` (``nbgate ci``). Every
GitHub format goes through ``nbgate.github``.
"""

#: The file ``nbgate ci`` asks its pytest run (``nbgate.ci.pytest_progress``) to write progress lines to.
PROGRESS_ENV = "NBGATE_PROGRESS_FILE"
