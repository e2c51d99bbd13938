"""Uses kept with the imports (the shapes of requests' and httpx's commits)."""

from __future__ import annotations

from pied.editing.importuses import among_imports, uses_followed
from pied.editing.nextedit import apply_proposal

COOKIES = """\
from . import utils


def host(r):
    return utils.to_native_string(r.headers['Host'], encoding='utf-8')
"""


def test_a_module_no_longer_imported_leaves_its_names_bare_where_they_are_imported() -> None:
    now = COOKIES.replace("from . import utils", "from ._internal_utils import to_native_string")
    [p] = uses_followed(COOKIES, now)
    assert p.first == 4
    assert p.new == ("    return to_native_string(r.headers['Host'], encoding='utf-8')",)


def test_a_name_no_longer_imported_is_reached_through_its_module() -> None:
    conf = "import requests\nfrom requests import __version__\n\nversion = __version__\n"
    now = conf.replace("from requests import __version__\n", "")
    [p] = uses_followed(conf, now)
    assert apply_proposal(now, p) == "import requests\n\nversion = requests.__version__\n"


def test_a_name_imported_from_elsewhere_is_cut_from_the_older_import() -> None:
    text = "from .compat import cookielib, OrderedDict, urljoin\n\nx = OrderedDict()\n"
    now = "from collections import OrderedDict\n" + text
    [p] = uses_followed(text, now)
    assert p.new == ("from .compat import cookielib, urljoin",)
    last = "from ._urlparse import urlencode\n\nurlencode({})\n"
    [p] = uses_followed(last, "from urllib.parse import urlencode\n" + last)
    assert p.new == ()  # its only name: the line goes


def test_unrelated_edits_and_names_still_bound_propose_nothing() -> None:
    assert uses_followed(COOKIES, COOKIES.replace("'utf-8'", "'ascii'")) == []
    both = "from . import utils\nfrom ._internal_utils import to_native_string"
    assert uses_followed(COOKIES, COOKIES.replace("from . import utils", both)) == []  # kept
    assert uses_followed(COOKIES, COOKIES.replace("def host(r):", "def host(r")) == []
    assert among_imports(COOKIES, 3) and not among_imports(COOKIES, COOKIES.index("return"))
