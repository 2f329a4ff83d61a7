"""The batch package's message catalog: gettext domain ``meetcheck-batch``, in ``locale/``
next to this file (dashboard, to-chase.txt, progress, readiness reasons, roster rows'
errors, XLSX headings; see docs/i18n.md)."""

from meetcheck.i18n import Catalog

catalog = Catalog.beside(__file__, "meetcheck-batch")
_, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext
