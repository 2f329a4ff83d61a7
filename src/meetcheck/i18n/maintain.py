"""Maintaining the catalogs: extract, update, compile and check them (needs Babel, a
development dependency: ``pip install -e '.[test]'``).

::

    python -m meetcheck.i18n.maintain update  [DOMAIN ...]   # .po files from the code
    python -m meetcheck.i18n.maintain compile [DOMAIN ...]   # .po -> .mo
    python -m meetcheck.i18n.maintain check   [DOMAIN ...]   # what CI checks

The domains are those installed plugins register (``meetcheck_register_catalogs``): the
core, the built-in families, and any plugin of yours (installed, or in ``./plugins``).
A catalog's sources are the files in the folder holding its ``locale/``, minus the
sub-folders with a ``locale/`` of their own (a family inside the core's tree).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meetcheck.i18n.language import DEFAULT, LANGUAGES
from meetcheck.i18n.text import placeholders

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog as PoCatalog

    from meetcheck.i18n.catalog import Catalog

#: The markers (Babel keyword specs): ``_`` and ``N_`` take the msgid, ``ngettext`` the
#: singular and the plural. The same list is in pyproject.toml for ``pybabel extract``.
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("**/templates/**.j2", "jinja2.ext:babel_extract")]
COMMENT_TAGS = ("Translators:",)
WIDTH = 100
UPDATE_HINT = "run: python -m meetcheck.i18n.maintain update"
COMPILE_HINT = "run: python -m meetcheck.i18n.maintain compile"
HEADER = """\
# {lang} translations of meetcheck's gettext domain {domain}.
# Terms: docs/glossary.md. Style and commands: docs/i18n.md.
#"""


def builtin_catalogs() -> dict[str, Catalog]:
    from meetcheck.plugins import BUILTIN_PLUGINS, Plugins

    plugins = Plugins(builtins=BUILTIN_PLUGINS, entry_points=False, use_default_dir=False)
    return plugins.catalogs()


def installed_catalogs() -> dict[str, Catalog]:
    from meetcheck.plugins import Plugins

    return Plugins().catalogs()


def sources(catalog: Catalog) -> Path:
    return catalog.directory.parent


def extract(catalog: Catalog, others: Iterable[Catalog] | None = None) -> PoCatalog:
    """The messages the code of ``catalog`` marks, as a Babel template. The folders of
    ``others`` (default: every installed catalog) inside its own are other domains."""
    from babel.messages.catalog import Catalog as PoCatalog
    from babel.messages.extract import extract_from_dir

    root = sources(catalog)
    if others is None:
        others = installed_catalogs().values()
    nested = {sources(c) for c in others if c.domain != catalog.domain} - {root}

    def own(path: str) -> bool:
        p = Path(path)
        return not p.name.startswith((".", "_")) and p not in nested and p.name != "locale"

    template = PoCatalog(domain=catalog.domain, project="meetcheck", charset="utf-8")
    found = extract_from_dir(
        root,
        METHODS,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        directory_filter=own,
    )
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def read(path: Path, locale: str, domain: str) -> PoCatalog:
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return read_po(fh, locale=locale, domain=domain)


def write(catalog: PoCatalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def update(
    catalog: Catalog,
    languages: Iterable[str] = LANGUAGES,
    others: Iterable[Catalog] | None = None,
) -> list[Path]:
    """Bring every language's ``.po`` in line with the code: new messages appear
    untranslated (English gets its own text), removed ones go, changed ones turn fuzzy."""
    from babel.messages.catalog import Catalog as PoCatalog

    template = extract(catalog, others)
    written = []
    for lang in languages:
        path = catalog.po_path(lang)
        if path.is_file():
            po = read(path, lang, catalog.domain)
            po.update(template, update_header_comment=False, update_creation_date=False)
        else:
            po = PoCatalog(locale=lang, domain=catalog.domain, project=catalog.domain,
                           version="1", charset="utf-8", copyright_holder="meetcheck authors",
                           last_translator="meetcheck translators",
                           language_team=lang,
                           header_comment=HEADER.format(domain=catalog.domain, lang=lang),
                           fuzzy=False)  # fmt: skip
            for msg in template:
                if msg.id:
                    po.add(msg.id, None, msg.locations, auto_comments=msg.auto_comments)
        if lang == DEFAULT:  # English is its own translation
            for msg in po:
                if msg.id:
                    msg.string = tuple(msg.id) if isinstance(msg.id, tuple | list) else msg.id
                    msg.flags.discard("fuzzy")
        write(po, path)
        written.append(path)
    return written


def compiled(po: PoCatalog) -> bytes:
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, po, use_fuzzy=False)
    return out.getvalue()


def compile_catalog(catalog: Catalog) -> list[Path]:
    written = []
    for lang in LANGUAGES:
        po_path = catalog.po_path(lang)
        if po_path.is_file():
            mo = catalog.mo_path(lang)
            mo.write_bytes(compiled(read(po_path, lang, catalog.domain)))
            written.append(mo)
    return written


@dataclass
class Problem:
    domain: str
    language: str
    msgid: str
    what: str

    def __str__(self) -> str:
        where = f"{self.domain}/{self.language}" if self.language else self.domain
        return f"{where}: {self.msgid!r}: {self.what}"


def _single_n_forms(po: PoCatalog) -> set[int]:
    """Plural forms used for exactly one count (Arabic's zero, one and two): their
    translation may spell the number out instead of writing ``{n}``."""
    import gettext

    rule = gettext.c2py(po.plural_expr)
    hits: dict[int, int] = {}
    for n in range(0, 1000):
        hits[rule(n)] = hits.get(rule(n), 0) + 1
    return {form for form, count in hits.items() if count == 1}


def _placeholder_problems(msg: Any, po: PoCatalog) -> Iterator[str]:
    if isinstance(msg.id, tuple):
        wanted = placeholders(msg.id[0]) | placeholders(msg.id[1])
        strings = list(msg.string) if isinstance(msg.string, tuple | list) else [msg.string]
        spare = _single_n_forms(po)
        for form, text in enumerate(strings):
            have = placeholders(text)
            missing = wanted - have - ({"n"} if form in spare else set())
            if missing or have - wanted:
                yield f"plural form {form}: placeholders {sorted(have)}, expected {sorted(wanted)}"
        return
    wanted, have = placeholders(msg.id), placeholders(msg.string)
    if wanted != have:
        yield f"placeholders {sorted(have)}, expected {sorted(wanted)}"


def _translated(msg: Any) -> bool:
    if msg.fuzzy:
        return False
    if isinstance(msg.string, tuple | list):
        return all(s for s in msg.string)
    return bool(msg.string)


def problems(
    catalog: Catalog,
    languages: Iterable[str] = LANGUAGES,
    others: Iterable[Catalog] | None = None,
) -> list[Problem]:
    """Everything CI fails on for one domain: a message in the code missing from a
    language's ``.po``, untranslated or fuzzy, a placeholder dropped, renamed or added,
    a ``.mo`` missing or older than its ``.po`` (compiled, they differ)."""
    from babel.messages.mofile import read_mo

    out: list[Problem] = []
    template = extract(catalog, others)
    code_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    for lang in languages:
        po_path = catalog.po_path(lang)
        if not po_path.is_file():
            out.append(Problem(catalog.domain, lang, "", f"no catalog {po_path}"))
            continue
        po = read(po_path, lang, catalog.domain)
        by_id = {m.id if isinstance(m.id, str) else m.id[0]: m for m in po if m.id}
        for msgid in sorted(code_ids - set(by_id)):
            what = f"in the code, not in the catalog ({UPDATE_HINT})"
            out.append(Problem(catalog.domain, lang, msgid, what))
        for msgid, msg in by_id.items():
            if msgid not in code_ids:
                continue
            if not _translated(msg):
                out.append(Problem(catalog.domain, lang, msgid, "not translated (or fuzzy)"))
                continue
            for what in _placeholder_problems(msg, po):
                out.append(Problem(catalog.domain, lang, msgid, what))
        mo_path = catalog.mo_path(lang)
        if not mo_path.is_file():
            out.append(Problem(catalog.domain, lang, "", f"no compiled {mo_path}"))
            continue
        with mo_path.open("rb") as fh:
            mo = read_mo(fh)
        fresh = read_mo(io.BytesIO(compiled(po)))
        if _messages(mo) != _messages(fresh):
            what = f"{mo_path.name} is stale against its .po ({COMPILE_HINT})"
            out.append(Problem(catalog.domain, lang, "", what))
    return out


def _messages(po: PoCatalog) -> dict[Any, Any]:
    def key(value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    return {key(m.id): key(m.string) for m in po if m.id}


def _chosen(domains: list[str]) -> list[Catalog]:
    catalogs = installed_catalogs()
    unknown = [d for d in domains if d not in catalogs]
    if unknown:
        raise SystemExit(f"unknown domain {unknown[0]!r} (known: {', '.join(catalogs)})")
    return [catalogs[d] for d in domains] if domains else list(catalogs.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m meetcheck.i18n.maintain",
                                     description=__doc__.split("\n\n")[0])  # fmt: skip
    parser.add_argument("action", choices=["update", "compile", "check", "extract"])
    parser.add_argument("domains", nargs="*", help="gettext domains (default: all)")
    args = parser.parse_args(argv)
    catalogs = _chosen(args.domains)
    if args.action == "extract":  # the template, to stdout
        from babel.messages.pofile import write_po

        for catalog in catalogs:
            out = io.BytesIO()
            write_po(out, extract(catalog), width=WIDTH, include_lineno=False)
            sys.stdout.write(out.getvalue().decode())
        return 0
    found = []
    for catalog in catalogs:
        if args.action == "update":
            for path in update(catalog):
                print(path)
        elif args.action == "compile":
            for path in compile_catalog(catalog):
                print(path)
        else:
            found += problems(catalog)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
