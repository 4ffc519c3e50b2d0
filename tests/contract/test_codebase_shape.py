"""Rules of the codebase's shape that ruff, mypy and import-linter cannot say (issue 12).

- the time is read only through the kit's clock (`voimala_kit/clock.py`), so that a test can
  set it and every service counts days in the same zone;
- no function in the services or the libraries is longer than 50 lines;
- the services' functions say what they return (`-> Any` hides a row's shape); the portal is
  the exception where it relays another service's JSON, whose shape is that service's OpenAPI
  document (typing it again would be a second copy of every schema);
- use cases, repositories and domain rules neither raise HTTP problems nor take HTTP schemas:
  they raise the kit's refusals (`voimala_kit.refusals`), which the kit answers in one place;
- a service's tests import no other service: what needs two services is an end-to-end test
  (tests/e2e), so that each service's suite stands alone as the service does.

The layers (api → handlers → repository → domain; no HTTP in use cases; no I/O in domain) are
import-linter's contracts in pyproject.toml; strict typing is mypy's.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 50
CLOCK = ROOT / "libs/kit/src/voimala_kit/clock.py"
_READS_THE_TIME = re.compile(r"\b(?:datetime|dt\.datetime)\.(?:now|utcnow|today)\(|date\.today\(")


def _sources(*patterns: str) -> Iterator[Path]:
    for pattern in patterns:
        yield from sorted(ROOT.glob(pattern))


def _functions(path: Path) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_the_time_is_read_only_through_the_clock() -> None:
    found = [
        _where(path, n)
        for path in _sources("libs/kit/src/**/*.py", "services/*/src/**/*.py")
        if path != CLOCK
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if _READS_THE_TIME.search(line)
    ]
    assert not found, "read the time from the kit's Clock:\n" + "\n".join(found)


def test_functions_are_short() -> None:
    found = [
        f"{_where(path, f.lineno)} {f.name}: {f.end_lineno - f.lineno + 1} lines"
        for path in _sources("libs/*/src/**/*.py", "services/*/src/**/*.py")
        for f in _functions(path)
        if f.end_lineno is not None and f.end_lineno - f.lineno + 1 > MAX_LINES
    ]
    assert not found, f"split functions longer than {MAX_LINES} lines:\n" + "\n".join(found)


def test_service_functions_say_what_they_return() -> None:
    found = [
        f"{_where(path, f.lineno)} {f.name}"
        for path in _sources("services/*/src/**/*.py")
        if "voimala_portal" not in path.parts
        for f in _functions(path)
        if isinstance(f.returns, ast.Name) and f.returns.id == "Any"
    ]
    assert not found, "return a type, not Any:\n" + "\n".join(found)


_BELOW_THE_API = ("handlers", "repository", "domain")
_HTTP_NAMES = {"Problem", "HTTPException", "problem_of"}


def _http_imports(path: Path) -> Iterator[int]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {a.name for a in node.names}
            if names & _HTTP_NAMES or module.split(".")[-1] in ("schemas", "problems", "api"):
                yield node.lineno


def test_nothing_below_the_api_speaks_http() -> None:
    found = [
        _where(path, line)
        for layer in _BELOW_THE_API
        for path in _sources(f"services/*/src/*/{layer}/**/*.py", f"services/*/src/*/{layer}.py")
        if "voimala_portal" not in path.parts
        for line in _http_imports(path)
    ]
    assert not found, "raise voimala_kit.refusals, take plain commands:\n" + "\n".join(found)


def _service_packages() -> dict[str, Path]:
    """Each service's package name and its folder (services/<folder>/src/<package>)."""
    return {pkg.name: pkg.parents[1] for pkg in _sources("services/*/src/voimala_*")}


def _imported(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name.split(".")[0]) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module.split(".")[0]


def test_a_service_s_tests_import_no_other_service() -> None:
    packages = _service_packages()
    found = [
        f"{_where(path, line)} imports {imported}"
        for name, folder in packages.items()
        for path in _sources(f"{folder.relative_to(ROOT)}/tests/**/*.py")
        for line, imported in _imported(path)
        if imported in packages and imported != name
    ]
    assert packages
    assert not found, "a test of two services belongs in tests/e2e:\n" + "\n".join(found)


@pytest.mark.parametrize("bad", ["datetime.now(UTC)", "dt.datetime.now(dt.UTC)", "date.today()"])
def test_the_clock_rule_sees_each_way_of_reading_the_time(bad: str) -> None:
    assert _READS_THE_TIME.search(f"x = {bad}")
