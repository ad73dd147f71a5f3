"""Compiling diagram code: our refusals, RestrictedPython's policy, then the budget instrumentation.

``compile_text`` is the one compiler for scripts, conditions, timer expressions and decision cells; the
lint (``engine.lint.sandbox_rules``) runs it over every text before publishing, so what the sandbox
would refuse at run time is refused on save instead. A refusal raises ``ScriptRefused``: a ScriptError
with an English message for the log and a Chinese one for policy staff.
"""

from __future__ import annotations

import ast
from types import CodeType
from typing import Literal, cast

from RestrictedPython.transformer import RestrictingNodeTransformer

from engine.store.errors import ScriptError

from .guards import DENIED_ATTRIBUTES
from .instrument import instrument

Mode = Literal["eval", "exec"]
SCRIPT_FILENAME = "<diagram>"
# Exceptions a handler must not name: catching them would swallow the budget error or a shutdown.
_UNCATCHABLE = frozenset({"BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"})


class ScriptRefused(ScriptError):
    """Diagram code the sandbox refuses to compile; ``chinese`` says why, for policy staff."""

    def __init__(self, message: str, chinese: str) -> None:
        self.chinese = chinese
        super().__init__(message)


def _refusal(node: ast.AST) -> ScriptRefused | None:
    """Why the sandbox refuses this node, or None."""
    line = getattr(node, "lineno", 0)
    if isinstance(node, ast.Import | ast.ImportFrom):
        return ScriptRefused(f"Script uses a forbidden statement 'import' on line {line}",
                             f"第{line}行使用了 import：脚本不能导入模块")
    if isinstance(node, ast.ClassDef):
        return ScriptRefused(f"Script uses a forbidden class definition on line {line}",
                             f"第{line}行定义了类（class）：脚本不能定义类")
    called = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else ""
    if called in ("eval", "exec"):  # RestrictedPython refuses these calls too, less clearly
        return ScriptRefused(f"Script uses a forbidden name '{called}'", f"第{line}行调用了 {called}：不允许")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        return ScriptRefused(f"Script uses a forbidden name '{node.id}'",
                             f"第{line}行使用了以下划线开头的名称「{node.id}」：不允许")
    if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in DENIED_ATTRIBUTES):
        return ScriptRefused(f"Attribute '{node.attr}' is not allowed",
                             f"第{line}行读取了属性「{node.attr}」：不允许访问 Python 内部属性")
    if isinstance(node, ast.ExceptHandler):
        return _handler_refusal(node, line)
    return None


def _handler_refusal(node: ast.ExceptHandler, line: int) -> ScriptRefused | None:
    if node.type is None:
        return ScriptRefused(f"Script uses a bare 'except:' on line {line}",
                             f"第{line}行使用了不带异常类型的 except：请写明要捕获的异常，如 except ValueError")
    named = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)} & _UNCATCHABLE
    if named:
        name = sorted(named)[0]
        return ScriptRefused(f"Script catches '{name}' on line {line}",
                             f"第{line}行捕获了 {name}：只能捕获普通异常（如 ValueError）")
    return None


def check_tree(tree: ast.AST) -> None:
    """Raise ScriptRefused for the first construct we never allow."""
    for node in ast.walk(tree):
        refusal = _refusal(node)
        if refusal is not None:
            raise refusal


def parse_text(mode: Mode, text: str) -> ast.Module | ast.Expression:
    """The syntax tree of diagram code; a syntax error is a ScriptRefused."""
    try:
        return cast(ast.Module | ast.Expression, ast.parse(text, filename=SCRIPT_FILENAME, mode=mode))
    except SyntaxError as exc:
        raise ScriptRefused(f"Syntax error on line {exc.lineno}: {exc.msg}",
                            f"第{exc.lineno}行有语法错误：{exc.msg}") from exc
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ScriptRefused(f"Unreadable code: {type(exc).__name__}",
                            "无法读取：代码过长、嵌套过深或含有 NUL 字符") from exc


def compile_text(mode: Mode, text: str) -> CodeType:
    """Compile an expression (``eval``) or script (``exec``) under our checks, RestrictedPython's policy
    and the budget instrumentation.

    :raises ScriptRefused: the code uses something the sandbox never allows.
    """
    tree = parse_text(mode, text)
    check_tree(tree)
    errors: list[str] = []
    tree = RestrictingNodeTransformer(errors, [], {}).visit(tree)
    if errors:
        raise ScriptRefused("Script is not allowed: " + "; ".join(errors),
                            "使用了沙箱不允许的写法：" + "；".join(errors))
    try:
        return compile(instrument(tree), SCRIPT_FILENAME, mode)
    except (SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        raise ScriptRefused(f"Script does not compile: {exc}", f"无法编译：{exc}") from exc
