"""Where diagram code runs: compiled once per text, in a scope of task data, guards and a metered tick.

Scripts run on a deep copy of the task data and only on success are their new or changed storable
variables copied back (never functions), so a failed script leaves the data untouched. Expressions read
the live data (copying would slow conditions). Every run gets a fresh ``Meter`` over the environment's
``Budget``; a run over budget raises ``ScriptBudgetExceeded`` with a Chinese message.
"""

from __future__ import annotations

import builtins
import copy
import logging
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from types import CodeType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from engine.store.errors import ScriptBudgetExceeded, ScriptError

from .budget import Budget, BudgetExceeded, Meter, enter, leave
from .compiler import Mode, compile_text
from .guards import GUARDS
from .instrument import TICK

logger = logging.getLogger(__name__)

Data = dict[str, Any]
External = Mapping[str, Any] | None
Functions = Mapping[str, Callable[..., Any]]
_CACHE_LIMIT = 10_000  # distinct texts come from diagrams; the cap only bounds a pathological caller
_STORABLE_SCALARS = (str, int, float, type(None), date, Decimal)
_STORABLE_KEYS = (str, int, float, type(None))


def budget_message(exc: BudgetExceeded, budget: Budget) -> str:
    """「脚本超出时间限制（1 秒）」, with what was refused when there is more to say."""
    limit = "时间" if exc.kind == "time" else "内存"
    message = f"脚本超出{limit}限制（{budget.describe(exc.kind)}）"
    return f"{message}：{exc.detail}" if exc.detail else message


def run_code(code: CodeType, scope: Data, kind: str, budget: Budget) -> Any:
    """Run compiled code within ``budget``, turning every failure into a ScriptError."""
    meter = Meter(budget)
    scope[TICK] = meter.tick
    token = enter(meter)
    try:
        result = eval(code, scope)
        meter.check_swallowed()
        return result
    except BudgetExceeded as exc:
        raise ScriptBudgetExceeded(budget_message(exc, budget), exc.kind) from None
    except ScriptError:
        raise
    except NameError as exc:
        name = exc.name or str(exc)
        if hasattr(builtins, name):
            raise ScriptError(f"Script uses a forbidden name '{name}'") from exc
        raise ScriptError(f"{kind} failed: name '{name}' is not defined") from exc
    except MemoryError as exc:
        raise ScriptBudgetExceeded(f"脚本超出内存限制（{budget.describe('memory')}）", "memory") from exc
    except Exception as exc:
        raise ScriptError(f"{kind} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        leave(token)


def _is_storable(value: Any, depth: int = 0) -> bool:
    """True for values the workflow serializer can store (JSON data plus dates and Decimals)."""
    if isinstance(value, _STORABLE_SCALARS):
        return True
    if depth > 50:  # also stops self-referencing lists
        return False
    if isinstance(value, list | tuple):
        return all(_is_storable(item, depth + 1) for item in value)
    return isinstance(value, dict) and all(
        isinstance(key, _STORABLE_KEYS) and _is_storable(item, depth + 1) for key, item in value.items()
    )


class SandboxEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """TaskDataEnvironment whose code is compiled by the sandbox compiler, cached per text, and metered."""

    def __init__(self, functions: Functions | None = None, budget: Budget | None = None) -> None:
        super().__init__(dict(functions or {}))
        self.budget = budget or Budget()
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
        scope = {**self.globals, **(external_context or {}), **context, **GUARDS}
        return run_code(code, scope, "Expression", self.budget)

    def execute(self, script: str, context: Data, external_context: External = None) -> bool:
        """Run the script on a copy of the task data and copy its variables back only if it succeeds."""
        external = dict(external_context or {})
        self.check_for_overwrite(context, external)
        code = self.compiled("exec", script)
        scope = {**self.globals, **external, **copy.deepcopy(context), **GUARDS}
        run_code(code, scope, "Script", self.budget)
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
