"""The audio family's message catalog: gettext domain ``meetcheck-audio``, in ``locale/``
next to this file (see docs/i18n.md). It also holds the words of the guided recording
(``meetcheck check --mic``, ``meetcheck mic list``): see :mod:`.guide`."""

from meetcheck.i18n import Catalog

catalog = Catalog.beside(__file__, "meetcheck-audio")
_, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext
