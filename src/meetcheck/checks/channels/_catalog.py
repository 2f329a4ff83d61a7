"""The channels family's message catalog: gettext domain ``meetcheck-channels``, in
``locale/`` next to this file (see docs/i18n.md)."""

from meetcheck.i18n import Catalog

catalog = Catalog.beside(__file__, "meetcheck-channels")
_, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext
