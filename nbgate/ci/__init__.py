"""``nbgate ci``'s parts that stand alone: the smoke run through pytest and its progress feed."""

#: The file ``nbgate ci`` asks its pytest run (``nbgate.ci.pytest_progress``) to write progress lines to.
PROGRESS_ENV = "NBGATE_PROGRESS_FILE"
