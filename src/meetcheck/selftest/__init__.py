"""The browser self-test, judged in Python: the page, the upload as sensor readings, and
the job. Its words are the catalog ``meetcheck-selftest``, registered like a plugin's."""

from meetcheck.i18n import register_catalogs
from meetcheck.selftest._catalog import catalog

meetcheck_register_catalogs = register_catalogs(catalog)
