"""The core domain ``meetcheck``: verdicts, runner and progress lines, the reporters'
fixed text and the commands' messages. Core modules import their markers from here::

    from meetcheck.i18n.core import N_, _, ngettext
"""

import os
from pathlib import Path

from meetcheck.i18n.catalog import Catalog, register_catalogs

catalog = Catalog("meetcheck", Path(os.path.abspath(__file__)).parent.parent / "locale")
_, N_, ngettext = catalog.gettext, catalog.mark, catalog.ngettext

meetcheck_register_catalogs = register_catalogs(catalog)
