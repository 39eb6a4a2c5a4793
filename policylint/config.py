"""Configuration: ``[tool.policylint]`` in ``pyproject.toml``, or
``policylint.toml`` / ``.policylint.toml``, found by walking up from the
first path checked; ``--config`` names one. Command-line options win.

Unknown keys are errors that name the key. A mistake is never skipped: a
``pyproject.toml`` that is not valid TOML, met while looking for the
configuration, is an error (it may hold the ``[tool.policylint]`` table that
was meant), and so is a limit of the wrong type (a float for a byte count)
or a time limit that is not a finite positive number (``nan`` and ``inf``
would turn it off).
"""

from __future__ import annotations

import fnmatch
import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from policylint.document import Limits
from policylint.kinds import KINDS

FAIL_ON = ("info", "warning", "error", "never")
LIMIT_KEYS = {f.name.replace("_", "-"): f.name for f in fields(Limits)}
# The type each limit must have: "int" or "float", as Limits declares it.
LIMIT_TYPES = {f.name: str(f.type) for f in fields(Limits)}
# Per-rule options: phrases an organisation adds to a rule's vocabulary.
RULE_OPTION_KEYS = {"extra-patterns", "extra-require", "extra-unless", "severity"}
KEYS = {
    "select", "ignore", "extend-select", "per-file-ignores", "fail-on", "kinds", "exclude",
    "extra-rules", "rules", "limits", "model",
}
CONFIG_NAMES = ("policylint.toml", ".policylint.toml", "pyproject.toml")


class ConfigError(ValueError):
    pass


@dataclass
class Config:
    path: Path | None = None
    select: set[str] | None = None
    ignore: set[str] = field(default_factory=set)
    extend_select: set[str] = field(default_factory=set)
    per_file_ignores: dict[str, set[str]] = field(default_factory=dict)
    fail_on: str = "warning"
    kinds: dict[str, str] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    extra_rules: list[Path] = field(default_factory=list)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    model: str | None = None

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def relative(self, path: Path) -> str:
        """``path`` relative to the configuration's folder, POSIX style, for glob matching."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def kind_for(self, path: Path) -> tuple[str, str] | None:
        rel = self.relative(path)
        for pattern, kind in self.kinds.items():
            if _match(rel, pattern):
                return kind, f"configured: kinds[\"{pattern}\"]"
        return None

    def excluded(self, path: Path) -> bool:
        rel = self.relative(path)
        return any(_match(rel, p) for p in self.exclude)

    def ignored_for(self, path: str) -> set[str]:
        rel = self.relative(Path(path))
        out: set[str] = set()
        for pattern, rules in self.per_file_ignores.items():
            if _match(rel, pattern):
                out |= rules
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "config-file": str(self.path) if self.path else None,
            "select": sorted(self.select) if self.select is not None else None,
            "ignore": sorted(self.ignore),
            "extend-select": sorted(self.extend_select),
            "per-file-ignores": {k: sorted(v) for k, v in self.per_file_ignores.items()},
            "fail-on": self.fail_on,
            "kinds": dict(self.kinds),
            "exclude": list(self.exclude),
            "extra-rules": [str(p) for p in self.extra_rules],
            "rules": self.rule_options,
            "limits": {k: getattr(self.limits, v) for k, v in LIMIT_KEYS.items()},
            "model": self.model,
        }


def _match(rel: str, pattern: str) -> bool:
    """Glob match on a relative POSIX path: a pattern without a slash also
    matches the file name or any folder name; ``dir/`` matches below dir."""
    if pattern.endswith("/"):
        return rel.startswith(pattern) or f"/{pattern}" in f"/{rel}"
    if fnmatch.fnmatch(rel, pattern):
        return True
    if "/" not in pattern:
        return any(fnmatch.fnmatch(part, pattern) for part in rel.split("/"))
    return fnmatch.fnmatch(rel, "*/" + pattern)


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above ``start``. A
    ``pyproject.toml`` without ``[tool.policylint]`` is passed over; one
    that cannot be read or parsed is a ``ConfigError``."""
    here = start.resolve()
    if here.is_file() or not here.exists():
        here = here.parent
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml":
                return candidate
            tool = _toml(candidate).get("tool", {})
            if isinstance(tool, dict) and "policylint" in tool:
                return candidate
    return None


def _strings(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"'{key}' must be a list of strings")
    return value


def _toml(path: Path) -> dict[str, Any]:
    """A TOML file's table; a ``ConfigError`` naming the file if it cannot be read or parsed."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def load_config(path: Path) -> Config:
    data = _toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("policylint", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.policylint] must be a table")
    try:
        return parse(data, path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def parse(data: dict[str, Any], path: Path | None = None) -> Config:
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise ConfigError(f"unknown key '{unknown[0]}' (known keys: {', '.join(sorted(KEYS))})")
    cfg = Config(path=path)
    base = path.parent if path else Path.cwd()
    if "select" in data:
        cfg.select = set(_strings(data["select"], "select"))
    cfg.ignore = set(_strings(data.get("ignore", []), "ignore"))
    cfg.extend_select = set(_strings(data.get("extend-select", []), "extend-select"))
    pfi = data.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError("'per-file-ignores' must be a table of glob = [rules]")
    cfg.per_file_ignores = {k: set(_strings(v, f"per-file-ignores.{k}")) for k, v in pfi.items()}
    fail_on = data.get("fail-on", "warning")
    if fail_on not in FAIL_ON:
        raise ConfigError(f"'fail-on' must be one of {', '.join(FAIL_ON)}")
    cfg.fail_on = fail_on
    kinds = data.get("kinds", {})
    if not isinstance(kinds, dict):
        raise ConfigError("'kinds' must be a table of glob = kind")
    for pattern, kind in kinds.items():
        if kind not in KINDS:
            raise ConfigError(f"kinds.\"{pattern}\": unknown document kind '{kind}'")
    cfg.kinds = dict(kinds)
    cfg.exclude = _strings(data.get("exclude", []), "exclude")
    cfg.extra_rules = [(base / p) for p in _strings(data.get("extra-rules", []), "extra-rules")]
    for folder in cfg.extra_rules:
        if not folder.is_dir():
            raise ConfigError(f"extra-rules: no such folder '{folder}'")
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError("'rules' must be a table of rule name = options")
    for name, options in rules.items():
        if not isinstance(options, dict):
            raise ConfigError(f"rules.{name} must be a table")
        bad = sorted(set(options) - RULE_OPTION_KEYS)
        if bad:
            raise ConfigError(f"unknown key 'rules.{name}.{bad[0]}' (known: {', '.join(sorted(RULE_OPTION_KEYS))})")
        for key in ("extra-patterns", "extra-require", "extra-unless"):
            if key in options:
                _strings(options[key], f"rules.{name}.{key}")
        if "severity" in options and options["severity"] not in ("info", "warning", "error"):
            raise ConfigError(f"rules.{name}.severity must be info, warning or error")
    cfg.rule_options = rules
    limits = data.get("limits", {})
    if not isinstance(limits, dict):
        raise ConfigError("'limits' must be a table")
    changes: dict[str, Any] = {}  # each value checked against its field's type by _limit
    for key, value in limits.items():
        if key not in LIMIT_KEYS:
            raise ConfigError(f"unknown key 'limits.{key}' (known: {', '.join(sorted(LIMIT_KEYS))})")
        changes[LIMIT_KEYS[key]] = _limit(key, value, LIMIT_TYPES[LIMIT_KEYS[key]])
    cfg.limits = replace(Limits(), **changes)
    model = data.get("model")
    if model is not None and not isinstance(model, str):
        raise ConfigError("'model' must be a string")
    cfg.model = model
    return cfg


def _limit(key: str, value: Any, kind: str) -> int | float:
    """A limit's value, checked: a count or a size is a positive integer
    (``5e7`` is a float in TOML: write ``50_000_000``); a time or a ratio is
    a finite positive number."""
    if kind == "int":
        if type(value) is not int or value <= 0:
            raise ConfigError(f"limits.{key} must be a positive integer (write 50_000_000, not 5e7), "
                              f"not {value!r}")
        return value
    if type(value) not in (int, float) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"limits.{key} must be a finite positive number, not {value!r}")
    return float(value)


def resolve(paths: list[Path], explicit: Path | None) -> Config:
    """The configuration for a run: ``--config``, else the nearest file, else defaults."""
    if explicit is not None:
        return load_config(explicit)
    found = find_config(paths[0]) if paths else find_config(Path.cwd())
    return load_config(found) if found else Config()
