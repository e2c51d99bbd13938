import pytest

from pied import config


def test_defaults_are_valid():
    s = config.Settings()
    assert config.load_dict({}) == s
    assert s.model == "0.5b" and s.multiline == "auto"


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
