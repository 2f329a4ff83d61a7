"""The network family's message catalog: gettext domain ``meetcheck-network``, in
``locale/`` next to this file (see docs/i18n.md)."""

from meetcheck.i18n import Catalog

catalog = Catalog.beside(__file__, "meetcheck-network")
_, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext
