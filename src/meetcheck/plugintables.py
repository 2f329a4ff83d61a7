"""``[plugins.NAME]`` tables: the one place meeting files and profiles hold a plugin's own
data. Everything else in those files stays strict; each table is validated by the plugin
that claimed it (``meetcheck_register_plugin_tables``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from meetcheck.errors import InputError
from meetcheck.tomlfile import Validator, keypath

TableValidator = Callable[[dict[str, Any], str], Any]


def read_plugin_tables(
    v: Validator, value: Any, tables: Mapping[str, TableValidator] | None
) -> dict[str, Any]:
    """What each claimed table's plugin made of it; an unclaimed table is an error."""
    v.expect(("plugins",), value, "table")
    known = dict(tables or {})
    out: dict[str, Any] = {}
    for name, table in value.items():
        path = ("plugins", name)
        if name not in known:
            claimed = ", ".join(sorted(known)) or "none"
            v.fail(path, f"no installed plugin reads this table (plugin tables: {claimed})")
        v.expect(path, table, "table")
        where = keypath(*v.prefix, *path)
        try:
            out[name] = known[name](dict(table), where)
        except InputError as exc:
            raise InputError(f"{v.source}: {exc}") from None
        except (ValueError, TypeError) as exc:
            message = str(exc)
            prefix = "" if message.startswith(where) else f"{where}: "
            raise InputError(f"{v.source}: {prefix}{message}") from None
    return out
