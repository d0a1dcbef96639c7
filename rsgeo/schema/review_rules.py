"""The rules of the data review (数据审核): ids, severities, Chinese names.

Each rule has a stable id, a severity and a Chinese name and description used
in the written review record; ``docs/review.md`` documents every rule. The
checks themselves live in :mod:`rsgeo.audit.findings`; the option objects
(:class:`rsgeo.options.ReviewOptions`) check rule ids against this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["RULES", "Rule", "Severity", "rule"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    """One review rule.

    Attributes
    ----------
    rule_id : str
        Stable identifier (``R01`` …), used in the findings table.
    severity : {"error", "warning"}
        ``error``: the record is wrong or incomplete and must be fixed before
        filing; ``warning``: the record needs a person to look at it.
    name_zh : str
        Short Chinese name shown in the review record.
    description_zh : str
        What the rule checks, in Chinese, shown in the review record.
    """

    rule_id: str
    severity: Severity
    name_zh: str
    description_zh: str


_RULE_LIST: tuple[Rule, ...] = (
    Rule("R01", "error", "未判定", "图斑没有合法性判定结果（判定结果为空）。"),
    Rule("R02", "error", "违法图斑缺违法类型", "判定为违法的图斑未填写违法类型。"),
    Rule("R03", "error", "违法图斑缺立案号", "判定为违法的图斑未填写立案号（案件编号）。"),
    Rule("R04", "error", "违法图斑缺责任主体", "判定为违法的图斑未填写责任主体（当事人）。"),
    Rule("R05", "error", "已整改缺整改方式", "已填写整改日期或整改面积，但未填写整改方式。"),
    Rule("R06", "error", "已整改缺整改日期", "已填写整改方式或整改面积，但未填写整改日期。"),
    Rule("R07", "error", "已整改缺整改面积", "已填写整改方式或整改日期，但未填写整改面积。"),
    Rule("R08", "error", "整改面积大于违法面积", "整改面积大于违法面积。"),
    Rule(
        "R09",
        "warning",
        "监测面积与计算面积不符",
        "监测面积（JCMJ）与按图形计算的椭球面积相差超过允许的相对误差。",
    ),
    Rule("R10", "error", "图斑编号重复", "同一监测编号在图斑表中出现多次。"),
    Rule("R11", "error", "图斑编号为空", "图斑没有监测编号。"),
    Rule("R12", "error", "图斑在县域外", "图斑与本县行政区域没有重叠。"),
    Rule("R13", "warning", "图斑部分在县域外", "图斑落在本县行政区域外的面积比例超过允许值。"),
    Rule(
        "R14",
        "error",
        "合法判定与叠加结果矛盾（永久基本农田）",
        "判定为合法，但图斑占用永久基本农田且与批准用地没有重叠。",
    ),
    Rule(
        "R15",
        "warning",
        "合法判定缺少叠加依据",
        "判定为合法，但图斑与批准用地、设施农用地、临时用地均无重叠，且系统建议为违法。",
    ),
    Rule(
        "R16",
        "warning",
        "图斑未落入乡镇",
        "图斑有面积落在各乡镇边界之外（越过县界或落入乡镇图层的缝隙），"
        "该面积计入统计表“县外/未落入乡镇”一行。",
    ),
    Rule(
        "R17",
        "error",
        "图斑无图形",
        "图斑的图形为空、缺失或修复后没有面状部分：图斑保留在各表中，面积按零计，须补正图形。",
    ),
    Rule(
        "R18",
        "warning",
        "图斑图形已修复",
        "读入时图斑图形无效（自相交、含无效坐标的顶点等），已自动修复，面积可能随之改变，须核实。",
    ),
    Rule(
        "R19",
        "warning",
        "平台套合面积与计算面积不符",
        "平台套合结果中的面积（耕地、永久基本农田、建设用地等）与本次叠加计算的面积"
        "相差超过允许值（默认 0.01 亩）。",
    ),
    Rule(
        "R20",
        "warning",
        "整改方式不是拆除或补办",
        "违法图斑已整改，但整改方式不是拆除复耕或补办手续（如没收）："
        "勾稽“已整改 = 拆除 + 补办”不成立，须在报表中单列说明。",
    ),
)

RULES: dict[str, Rule] = {r.rule_id: r for r in _RULE_LIST}
"""Every review rule, by id."""


def rule(rule_id: str) -> Rule:
    """The rule with this id.

    Examples
    --------
    >>> rule("R01").name_zh
    '未判定'
    >>> rule("R08").severity
    'error'
    """
    return RULES[rule_id]
