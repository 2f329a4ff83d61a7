"""The registration family's message catalog: gettext domain ``meetcheck-registration``, in
``locale/`` next to this file (see docs/i18n.md)."""

from meetcheck.i18n import Catalog

catalog = Catalog.beside(__file__, "meetcheck-registration")
_, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext
