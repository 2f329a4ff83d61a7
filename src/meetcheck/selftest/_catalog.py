"""The browser self-test's message catalog: gettext domain ``meetcheck-selftest``, in
``locale/`` next to this file (the page's template and the upload's reasons; see
docs/i18n.md)."""

from meetcheck.i18n import Catalog

catalog = Catalog.beside(__file__, "meetcheck-selftest")
_, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext
