"""Chinese for the English messages of the XSD validator (libxml2) and of SpiffWorkflow's parser.

Policy staff read every problem, so the common messages are rewritten; any other keeps its English
original in parentheses, so that it can still be looked up.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from engine.rules.rule_xml import ELEMENT_LABELS

Rewrite = Callable[[re.Match[str]], str]

_TYPES = {"boolean": "布尔值（true 或 false）", "integer": "整数", "IDREF": "元素 id 引用", "QName": "名称",
          "anyURI": "网址", "ID": "id"}
_ID_RULE = "id 须以字母或下划线开头，只含字母、数字、下划线、连字符和点，且在文件中不能重复"


def _element(tag: str) -> str:
    label = ELEMENT_LABELS.get(tag)
    return f"{label}（{tag}）" if label else f"元素 {tag}"


def _listed(names: str | None) -> str:
    return f"（此处可以是：{'、'.join(n.strip() for n in names.split(','))}）" if names else ""


_XSD: tuple[tuple[re.Pattern[str], Rewrite], ...] = (
    (re.compile(r"Element '([\w:]+)', attribute '([\w:]+)': '(.*)' is not a valid value of the atomic type 'xs:ID'\."),
     lambda m: f"{_element(m[1])}的 {m[2]}「{m[3]}」无效或重复：{_ID_RULE}"),
    (re.compile(r"Element '([\w:]+)', attribute '([\w:]+)': '(.*)' is not a valid value of the atomic type "
                r"'xs:(\w+)'\."),
     lambda m: f"{_element(m[1])}的属性 {m[2]} 的值「{m[3]}」不是有效的{_TYPES.get(m[4], m[4])}"),
    (re.compile(r"Element '([\w:]+)': The attribute '([\w:]+)' is required but missing\."),
     lambda m: f"{_element(m[1])}缺少必需的属性 {m[2]}"),
    (re.compile(r"Element '([\w:]+)', attribute '([\w:]+)': The attribute '[\w:]+' is not allowed\."),
     lambda m: f"{_element(m[1])}不允许有属性 {m[2]}"),
    (re.compile(r"Element '([\w:]+)': This element is not expected\.(?: Expected is (?:one of )?\( (.*) \)\.)?"),
     lambda m: f"此处不应出现{_element(m[1])}{_listed(m[2])}"),
    (re.compile(r"Element '([\w:]+)': Missing child element\(s\)\. Expected is (?:one of )?\( (.*) \)\."),
     lambda m: f"{_element(m[1])}缺少子元素：{'、'.join(n.strip() for n in m[2].split(','))}"),
)

_SPIFF: tuple[tuple[re.Pattern[str], Rewrite], ...] = (
    (re.compile(r"Non-default exclusive outgoing sequence flow without condition"),
     lambda m: "排他网关流出的顺序流没有条件：除默认顺序流外，每条流出的顺序流都要写条件"),
    (re.compile(r"missing files (.*)"), lambda m: f"缺少文件：{'、'.join(n.strip() for n in m[1].split(','))}"),
    (re.compile(r"The process '(.*)' was not found\. Did you mean one of the following: (.*)\?"),
     lambda m: f"调用的流程「{m[1]}」不存在（现有流程：{'、'.join(n.strip() for n in m[2].split(','))}）"),
    (re.compile(r'No DMN Diagram available with id "(.*)", Available DMN ids are: (.*?)\.?$'),
     lambda m: f"调用的决策「{m[1]}」不存在（现有决策：{'、'.join(n.strip() for n in m[2].split(','))}）"),
    (re.compile(r"Malformed (Input|Output) Expression '(.*)'\. (.*?) \(<unknown>, line (\d+)\)"),
     lambda m: f"决策表{'输入' if m[1] == 'Input' else '输出'}表达式「{m[2]}」有语法错误：第{m[4]}行 {m[3]}"),
    (re.compile(r"No start event found"), lambda m: "流程没有开始事件"),
    (re.compile(r"Process (.*) is not executable\."), lambda m: f"流程「{m[1]}」未设为可执行（isExecutable）"),
    (re.compile(r"Duplicate process ID: (.*)"), lambda m: f"流程 id「{m[1]}」重复"),
)


def xsd_message(message: str) -> str:
    """The XSD validator's ``message`` in Chinese (namespaces already removed)."""
    return _translated(_XSD, message)


def spiff_message(message: str) -> str:
    """A SpiffWorkflow parse error in Chinese."""
    return _translated(_SPIFF, message)


def _translated(rewrites: tuple[tuple[re.Pattern[str], Rewrite], ...], message: str) -> str:
    message = message.strip()
    for pattern, rewrite in rewrites:
        found = pattern.search(message)
        if found:
            return rewrite(found)
    return f"（原文：{message}）"
