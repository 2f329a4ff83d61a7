"""The links family's message catalog: gettext domain ``meetcheck-links``, in ``locale/``
next to this file (see docs/i18n.md). The "link expired" phrases ``links.http`` looks for
on a page (page.EXPIRED_PATTERNS) are data, not messages: they are not in it."""

from meetcheck.i18n import Catalog

catalog = Catalog.beside(__file__, "meetcheck-links")
_, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext
