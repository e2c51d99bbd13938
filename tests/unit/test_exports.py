"""``__all__`` kept with the imports (the shapes of httpx's ``__init__.py`` commits)."""

from __future__ import annotations

from pied.editing.exports import exports_followed
from pied.editing.nextedit import apply_proposal

INIT = """\
from ._api import get, post
from ._auth import Auth, BasicAuth
from ._models import URL, Request

__all__ = [
    "Auth",
    "BasicAuth",
    "Request",
    "URL",
    "get",
    "post",
]
"""


def test_a_name_imported_anew_is_added_where_the_list_sorts_it() -> None:
    now = INIT.replace("Auth, BasicAuth", "Auth, BasicAuth, NetRCAuth")
    [p] = exports_followed(INIT, now)
    assert (p.old, p.new) == (('    "BasicAuth",',), ('    "BasicAuth",', '    "NetRCAuth",'))
    assert '"BasicAuth",\n    "NetRCAuth",\n    "Request",' in apply_proposal(now, p)


def test_a_sorted_list_places_the_name_by_the_whole_list() -> None:
    now = INIT.replace("import get, post", "import Client, get, post")
    [p] = exports_followed(INIT, now)
    assert p.new == ('    "BasicAuth",', '    "Client",')  # not before ``get``, its group's


def test_names_no_longer_imported_are_dropped_together() -> None:
    now = INIT.replace("from ._models import URL, Request\n", "")
    [p] = exports_followed(INIT, now)
    assert p.old == ('    "Request",', '    "URL",') and p.new == ()


def test_an_unsorted_list_places_the_name_among_its_modules_names() -> None:
    unsorted = INIT.replace('    "get",\n    "post",\n', "").replace(
        "[\n", '[\n    "get",\n    "post",\n'
    )
    now = unsorted.replace("import get, post", "import delete, get, post")
    [p] = exports_followed(unsorted, now)
    assert (p.first, p.new) == (5, ('    "delete",', '    "get",'))  # its group is sorted


def test_helpers_and_modules_that_list_their_own_names_get_nothing() -> None:
    now = INIT.replace("from ._api", "from ._utils import _private\nfrom ._api")
    assert exports_followed(INIT, now) == []  # a private name is no export
    own = 'from ._compat import PY2\n\n__all__ = [\n    "optional",\n    "pipe",\n]\n'
    assert exports_followed(own, own.replace("PY2", "PY2, PY3")) == []
    assert exports_followed(INIT, INIT.replace("__all__ = [", "__all__ = [(")) == []  # no parse
