"""ISO 639-1 language codes: the two-letter codes a meeting file may name channels by.

Why a list: a typo such as ``fn`` for ``fr`` matches the pattern of a code and would only
show up as a channel nobody can find. Three-letter codes (ISO 639-2/3 style, e.g. ``yue``)
are too many to list and are accepted as written.
"""

from __future__ import annotations

ISO_639_1 = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi
    ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks
    ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl
    nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve
    vi vo wa wo xh yi yo za zh zu
    """.split()
)


def unknown_language(code: str) -> bool:
    """True for a two-letter code that is not ISO 639-1 (``floor`` and 3 letters pass)."""
    return len(code) == 2 and code not in ISO_639_1
