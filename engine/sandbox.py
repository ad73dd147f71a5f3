"""Restricted script engine: every diagram expression runs under RestrictedPython.

Scripts, gateway conditions, timer texts, DMN cells and message payloads all go through
``SandboxEnvironment``. Each distinct text is compiled once by RestrictedPython (no imports, no class
statements, no names or attributes starting with ``_``) and runs with a small builtins set and guards that
allow attribute access only on plain data values; ``str.format``/``format_map`` fields use the same guard.

How errors surface: the environment raises :class:`ScriptError` for every violation and every failure.
``SandboxScriptEngine.evaluate``/``execute`` re-raise it as SpiffWorkflow's ``WorkflowTaskException``
(SpiffWorkflow then marks the task ERROR and adds notes such as the DMN row) whose message contains the
ScriptError's text and whose ``__cause__`` is the ScriptError. SpiffWorkflow paths that call the environment
directly (process data inputs/outputs, message correlation) get the bare ScriptError.
``find_script_error(exc)`` returns the ScriptError in every case.

Scripts run on a deep copy of the task data and only on success are their new or changed storable variables
copied back (never functions), so a failed script leaves the data untouched. Expressions read the live data
(copying would slow conditions). Not covered: CPU and memory limits.
"""

from __future__ import annotations

import _string
import ast
import builtins
import copy
import functools
import logging
import operator
import string
import traceback
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import CodeType
from typing import Any, Literal

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safe_builtins
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import INSPECT_ATTRIBUTES
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .errors import ScriptError

logger = logging.getLogger(__name__)

Mode = Literal["eval", "exec"]
Data = dict[str, Any]
External = Mapping[str, Any] | None
Clock = Callable[[], datetime]
Functions = Mapping[str, Callable[..., Any]]
SCRIPT_FILENAME = "<diagram>"
_CACHE_LIMIT = 10_000  # distinct texts come from diagrams; the cap only bounds a pathological caller

_SAFE_NAMES = (
    "None False True abs all any bool chr dict divmod enumerate filter float frozenset int isinstance "
    "len list map max min ord range repr reversed round set sorted str sum tuple zip"
).split()
# Only Exception subclasses: raising SystemExit or KeyboardInterrupt would get past our error wrapping.
_EXCEPTIONS = {k: v for k, v in safe_builtins.items() if isinstance(v, type) and issubclass(v, Exception)}
BUILTINS: Mapping[str, Any] = {**{name: getattr(builtins, name) for name in _SAFE_NAMES}, **_EXCEPTIONS}

# Values whose attributes scripts may read; bool and datetime are covered as subclasses of int and date.
_DATA_TYPES = (str, bytes, int, float, list, tuple, dict, set, frozenset, date, time, timedelta, Decimal)
_BUILTIN_CLASSES = (str, bytes, int, float, bool, list, tuple, dict, set, frozenset)
_FORMAT_METHODS = frozenset({"format", "format_map"})
_DENIED_ATTRIBUTES = INSPECT_ATTRIBUTES | {"mro", "func_globals", "func_code"}
_STORABLE_SCALARS = (str, int, float, type(None), date, Decimal)
_STORABLE_KEYS = (str, int, float, type(None))

_INPLACE_OPERATORS: Mapping[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand,
}


def guarded_getattr(obj: object, name: str) -> Any:
    """Read an attribute of a plain data value; anything that could reach Python internals raises."""
    if name.startswith("_") or name in _DENIED_ATTRIBUTES:
        raise ScriptError(f"Attribute '{name}' is not allowed")
    if name in _FORMAT_METHODS:
        if not isinstance(obj, str):
            raise ScriptError(f"Attribute '{name}' is not allowed here")
        return _safe_format_method(obj, name)
    if not isinstance(obj, _DATA_TYPES) and not any(obj is cls for cls in _BUILTIN_CLASSES):
        raise ScriptError(f"Attribute '{name}' of a {type(obj).__name__} value is not allowed")
    return getattr(obj, name)


class _SafeFormatter(string.Formatter):
    """``str.format`` whose field lookups ("{0.attr}", "{0[key]}") go through the sandbox guards."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, Any]:
        first, rest = _string.formatter_field_name_split(field_name)
        value = self.get_value(first, args, kwargs)
        for is_attribute, key in rest:
            value = guarded_getattr(value, key) if is_attribute else value[key]
        return value, first


_FORMATTER = _SafeFormatter()


def _safe_format_method(text: str, name: str) -> Callable[..., str]:
    if name == "format":
        return functools.partial(_FORMATTER.format, text)
    return lambda mapping: _FORMATTER.vformat(text, (), mapping)


def _guarded_write(obj: Any) -> Any:
    """Allow item assignment only on dicts and lists (task data or built by the script)."""
    if isinstance(obj, (dict, list)):
        return obj
    raise ScriptError(f"Changing a {type(obj).__name__} value is not allowed")


def _inplace(op: str, target: Any, value: Any) -> Any:
    function = _INPLACE_OPERATORS.get(op)
    if function is None:
        raise ScriptError(f"Operator '{op}' is not allowed")
    return function(target, value)


# Set last in every scope so task data (which may hold any key) can never replace a guard.
GUARDS: Mapping[str, Any] = {
    "__builtins__": BUILTINS,
    "_getattr_": guarded_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": _guarded_write,
    "_inplacevar_": _inplace,
    "_apply_": lambda function, *args, **kwargs: function(*args, **kwargs),
    "_print_": PrintCollector,
}


def _check_tree(tree: ast.AST) -> None:
    """Reject what we never allow, with a clearer message than RestrictedPython's."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptError(f"Script uses a forbidden statement 'import' on line {node.lineno}")
        if isinstance(node, ast.ClassDef):
            raise ScriptError(f"Script uses a forbidden class definition on line {node.lineno}")
        called = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else ""
        if called in ("eval", "exec"):  # RestrictedPython refuses these calls too, less clearly
            raise ScriptError(f"Script uses a forbidden name '{called}'")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ScriptError(f"Script uses a forbidden name '{node.id}'")
        if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in _DENIED_ATTRIBUTES):
            raise ScriptError(f"Attribute '{node.attr}' is not allowed")


def compile_text(mode: Mode, text: str) -> CodeType:
    """Compile an expression (``eval``) or script (``exec``) under RestrictedPython's policy."""
    try:
        tree = ast.parse(text, filename=SCRIPT_FILENAME, mode=mode)
    except SyntaxError as exc:
        raise ScriptError(f"Syntax error on line {exc.lineno}: {exc.msg}") from exc
    _check_tree(tree)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(text, filename=SCRIPT_FILENAME)
    if result.errors or result.code is None:
        raise ScriptError("Script is not allowed: " + "; ".join(result.errors))
    return result.code


def _run(code: CodeType, scope: Data, kind: str) -> Any:
    """Run compiled code, turning every failure into a ScriptError."""
    try:
        return eval(code, scope)
    except ScriptError:
        raise
    except NameError as exc:
        name = exc.name or str(exc)
        if hasattr(builtins, name):
            raise ScriptError(f"Script uses a forbidden name '{name}'") from exc
        raise ScriptError(f"{kind} failed: name '{name}' is not defined") from exc
    except Exception as exc:
        raise ScriptError(f"{kind} failed: {type(exc).__name__}: {exc}") from exc


def _is_storable(value: Any, depth: int = 0) -> bool:
    """True for values the workflow serializer can store (JSON data plus dates and Decimals)."""
    if isinstance(value, _STORABLE_SCALARS):
        return True
    if depth > 50:  # also stops self-referencing lists
        return False
    if isinstance(value, (list, tuple)):
        return all(_is_storable(item, depth + 1) for item in value)
    return isinstance(value, dict) and all(
        isinstance(key, _STORABLE_KEYS) and _is_storable(item, depth + 1) for key, item in value.items()
    )


class SandboxEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """TaskDataEnvironment whose code is compiled by RestrictedPython and cached per text."""

    def __init__(self, functions: Functions | None = None) -> None:
        super().__init__(dict(functions or {}))
        self._cache: dict[tuple[Mode, str], CodeType] = {}

    def compiled(self, mode: Mode, text: str) -> CodeType:
        """Code object for the text, compiled on first use only."""
        key = (mode, text)
        code = self._cache.get(key)
        if code is None:
            code = compile_text(mode, text)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = code
        return code

    def evaluate(self, expression: str, context: Data, external_context: External = None) -> Any:
        """Value of the expression with task data, injected functions and external context as names."""
        code = self.compiled("eval", expression)
        return _run(code, {**self.globals, **(external_context or {}), **context, **GUARDS}, "Expression")

    def execute(self, script: str, context: Data, external_context: External = None) -> bool:
        """Run the script on a copy of the task data and copy its variables back only if it succeeds."""
        external = dict(external_context or {})
        self.check_for_overwrite(context, external)
        code = self.compiled("exec", script)
        scope = {**self.globals, **external, **copy.deepcopy(context), **GUARDS}
        _run(code, scope, "Script")
        self._copy_back(scope, context, external)
        return True

    def _copy_back(self, scope: Data, context: Data, external: Mapping[str, Any]) -> None:
        for key in [key for key in context if key not in scope]:
            del context[key]  # the script used `del`
        for key, value in scope.items():
            if key.startswith("_") or key in self.globals or key in external or key in GUARDS:
                continue
            if _is_storable(value):
                context[key] = value
            else:
                logger.debug("Script variable %s not kept: %s is not storable", key, type(value).__name__)

    def check_for_overwrite(self, context: Mapping[str, Any], external_context: Mapping[str, Any]) -> None:
        """Fail fast when task data hides an injected function."""
        clashes = sorted(set(context) & (set(self.globals) | set(external_context)))
        if clashes:
            raise ScriptError(f"Task data overwrites predefined function(s) {clashes}; rename the field(s)")


def _script_line(err: BaseException) -> int:
    """Line of the diagram text where the error happened, 0 when unknown."""
    errors = [exc for exc in (err, err.__cause__) if exc is not None]
    frames = [frame for exc in errors for frame in traceback.extract_tb(exc.__traceback__)]
    lines = [frame.lineno for frame in frames if frame.filename == SCRIPT_FILENAME]
    return (lines[-1] or 0) if lines else 0


def find_script_error(exc: BaseException) -> ScriptError | None:
    """The ScriptError behind a SpiffWorkflow exception (via __cause__/__context__), if any."""
    current: BaseException | None = exc
    for _ in range(20):  # real chains are short; the bound guards against cycles
        if current is None or isinstance(current, ScriptError):
            return current
        current = current.__cause__ or current.__context__
    return None


class SandboxScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow script engine that runs all diagram code in the sandbox, with an injectable clock."""

    def __init__(self, functions: Functions | None = None, clock: Clock | None = None) -> None:
        super().__init__(environment=SandboxEnvironment(functions))
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def now(self) -> datetime:
        """Aware UTC "now" from the injected clock."""
        moment = self._clock()
        if moment.tzinfo is None:
            raise ValueError("The clock must return an aware datetime")
        return moment.astimezone(timezone.utc)

    def evaluate(self, task: Any, expression: str, external_context: External = None) -> Any:
        """Value of the expression in the task's context; raises WorkflowTaskException from ScriptError."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptError as err:
            message = f"Error evaluating expression '{expression}': {err}"
            raise WorkflowTaskException(message, task=task, exception=err) from err

    def execute(self, task: Any, script: str, external_context: External = None) -> bool:
        """Run a script on the task's data; failures raise WorkflowTaskException from ScriptError."""
        try:
            return bool(self.environment.execute(script, task.data, external_context or {}))
        except ScriptError as err:
            line = _script_line(err)
            error_line = script.splitlines()[line - 1] if 0 < line <= len(script.splitlines()) else ""
            raise WorkflowTaskException(
                str(err), task=task, exception=err, line_number=line, error_line=error_line
            ) from err
