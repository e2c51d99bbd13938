from dataclasses import fields

import pytest

from pied import config


def test_defaults_are_valid():
    s = config.Settings()
    assert config.load_dict({}) == s
    assert s.model == "auto" and s.multiline == "auto"


def test_camel_case_names_and_numbers_are_accepted():
    s = config.load_dict({"maxTokens": 12, "temperature": 1, "prefixTokens": 100.0})
    assert (s.max_tokens, s.temperature, s.prefix_tokens) == (12, 1.0, 100)


@pytest.mark.parametrize(
    "values,message",
    [
        ({"nope": 1}, "Unknown setting 'nope'"),
        ({"multiline": "both"}, "must be one of auto, single, multi"),
        ({"max_tokens": 0}, "must be positive"),
        ({"n_ctx": "big"}, "must be a int"),
        ({"top_p": 0}, r"must be in \(0, 1\]"),
        ({"threads": True}, "must be a int"),
    ],
)
def test_bad_values_are_named(values, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load_dict(values, source="test")


def test_file_then_overrides(tmp_path):
    f = tmp_path / "config.toml"
    f.write_text('model = "1.5b"\nmax_tokens = 40\n')
    s = config.load({"max_tokens": 10}, path=f)
    assert (s.model, s.max_tokens) == ("1.5b", 10)


def test_bad_toml_is_one_sentence(tmp_path):
    f = tmp_path / "config.toml"
    f.write_text("model = \n")
    with pytest.raises(config.ConfigError, match="is not valid TOML"):
        config.load(path=f)


def test_every_setting_is_documented():
    for name, _default, doc in config.describe():
        assert doc, f"setting {name} has no docstring"


def test_the_readme_table_lists_every_setting_with_its_default():
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text()
    for name, default, doc in config.describe():
        shown = f'"{default}"' if isinstance(default, str) else str(default)
        if isinstance(default, bool):
            shown = str(default).lower()
        assert f"| `{name}` | `{shown}` | {doc.rstrip('.')} |" in readme, name


def test_the_editors_settings_mirror_the_one_list_in_config():
    """The per-request settings are defined once (pied.config); VS Code's package.json and
    settings.ts and the README's table mirror them, names and defaults alike."""
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    package = json.loads((root / "editors/vscode/package.json").read_text())
    props = package["contributes"]["configuration"]["properties"]
    defaults = {f.name: f.default for f in fields(config.Settings)}
    exposed = {k.removeprefix("pied."): v for k, v in props.items() if k != "pied.path"}
    snake = {config._camel_to_snake(k): v for k, v in exposed.items()}
    assert set(snake) == set(config.REQUEST_SETTINGS)
    for name, prop in snake.items():
        assert prop["default"] == defaults[name], name
    ts = (root / "editors/vscode/src/settings.ts").read_text()
    assert set(re.findall(r'key: "(\w+)"', ts)) == set(exposed)
    readme = (root / "README.md").read_text()
    for name in config.REQUEST_SETTINGS:
        assert f"`{name}`" in readme, name
