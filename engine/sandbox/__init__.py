"""The restricted, budgeted script engine: every diagram text runs here.

Scripts, gateway conditions, timer texts, DMN cells and message payloads all go through
``SandboxEnvironment``. Each distinct text is compiled once (``compiler``): our refusals (imports,
classes, names or attributes starting with ``_``, bare ``except``), RestrictedPython's policy, then the
budget instrumentation (``instrument``). It runs with a small builtins set (``safe_builtins``), guards that
allow attribute access only on plain data values (``guards``), and a time and memory budget (``budget``,
``limits``). The functions diagrams may call live in ``script_env``.
"""

from __future__ import annotations

from .budget import Budget, BudgetExceeded, Meter, resident_bytes
from .compiler import SCRIPT_FILENAME, Mode, ScriptRefused, check_tree, compile_text, parse_text
from .environment import SandboxEnvironment, budget_message, run_code
from .guards import GUARDS, guarded_getattr
from .safe_builtins import BUILTINS
from .script_engine import SandboxScriptEngine, find_script_error

__all__ = [
    "BUILTINS", "GUARDS", "SCRIPT_FILENAME", "Budget", "BudgetExceeded", "Meter", "Mode", "SandboxEnvironment",
    "SandboxScriptEngine", "ScriptRefused", "budget_message", "check_tree", "compile_text", "find_script_error",
    "guarded_getattr", "parse_text", "resident_bytes", "run_code",
]
