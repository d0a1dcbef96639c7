"""The words of the draft reports: titles, headings, sentences, placeholders, file names.

The work plan asks for three written products besides the workbook: each
township's 卫片执法工作情况报告 (§三(五)), the county's annual 卫片执法工作报告
(§四) and the 约谈/问责建议 on townships meeting an accountability criterion
(§三(六), §五(四)). :mod:`rsgeo.outputs.reports` writes them as drafts; every
word they print lives here, and every figure comes from the statistics the
workbook prints.

A place the author must write is printed as ``【待填写：…】`` on a yellow
highlight (:data:`PLACEHOLDER_OPEN`), so it can be found (Ctrl+F 待填写) and is
never handed in by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rsgeo.schema.labels import FLAG_LABELS

__all__ = [
    "ACCOUNTABILITY_COLUMNS",
    "ACCOUNTABILITY_INTRO",
    "ACCOUNTABILITY_MEASURE",
    "ACCOUNTABILITY_NONE",
    "ACCOUNTABILITY_REFERRAL",
    "ACCOUNTABILITY_SHEET",
    "ACCOUNTABILITY_TITLE",
    "COUNTY_HEADINGS",
    "COUNTY_PROMPTS",
    "COUNTY_TITLE",
    "CRITERION_TABLE_COLUMNS",
    "DRAFT_MARK",
    "DRAFT_NOTE",
    "FILE_NAMES",
    "FONT_BODY",
    "FONT_HEADING",
    "INDICATOR_COLUMNS",
    "LIST_NAMES",
    "LIST_TABLE_COLUMNS",
    "MET_WORDS",
    "NUMERALS",
    "PATCH_COLUMNS",
    "PATCH_TABLE_NOTE",
    "PLACEHOLDER_CLOSE",
    "PLACEHOLDER_OPEN",
    "SEALED_COUNT",
    "SEALED_NOTE",
    "SENTENCES",
    "SIGNATURE",
    "SUGGESTED_NOTE",
    "TABLE_CAPTIONS",
    "TOWNSHIP_DIR",
    "TOWNSHIP_HEADINGS",
    "TOWNSHIP_PROMPTS",
    "TOWNSHIP_TITLE",
    "placeholder",
]

PLACEHOLDER_OPEN = "【待填写："
PLACEHOLDER_CLOSE = "】"


def placeholder(prompt: str) -> str:
    """The marked place of a text the author writes.

    >>> placeholder("填报单位")
    '【待填写：填报单位】'
    """
    return f"{PLACEHOLDER_OPEN}{prompt}{PLACEHOLDER_CLOSE}"


FONT_BODY = "仿宋"
"""East Asian font of the body text (Windows ships 仿宋; LibreOffice substitutes)."""
FONT_HEADING = "黑体"
"""East Asian font of titles and headings."""

NUMERALS = "一二三四五六七八九十"
"""Chinese numerals of headings and criteria (一、二、…)."""

COUNTY_TITLE = "卫片执法工作报告"
TOWNSHIP_TITLE = "{township}卫片执法工作情况报告"
ACCOUNTABILITY_TITLE = "约谈问责建议名单"
ACCOUNTABILITY_SHEET = "约谈问责建议"
DRAFT_MARK = "（草稿）"

DRAFT_NOTE = (
    "本稿按《统计报表》同一批统计数据生成，表中数字与统计报表一致（面积单位亩，保留 2 位"
    "小数，比例以百分数保留 2 位小数，均四舍五入；各乡镇面积经平差，合计等于全县数）。"
    "标黄的“【待填写：…】”处由承办人填写，定稿前删除本段。"
)

SEALED_NOTE = "军用土地图斑不计入本报告的任何数字、名单和明细，按规定以机要件单独上报。"
SEALED_COUNT = "另有 {n} 个图斑单独报送。"

SUGGESTED_NOTE = "注：{n} 个图斑尚无人工判定，其分类为系统建议，本报告相关数字以判定完成后为准。"

PATCH_TABLE_NOTE = (
    "注：跨乡镇图斑列在面积最大的乡镇；图斑面积按各乡镇内的面积分别计入各乡镇统计，"
    "故本表面积之和可与上表不同。"
)

COUNTY_HEADINGS: tuple[str, ...] = (
    "工作开展情况",
    "图斑核查判定情况",
    "违法用地情况",
    "查处整改情况",
    "矿产卫片图斑情况",
    "数据审核与督导验收情况",
    "约谈问责情况",
    "存在的问题及下一步工作",
)
"""The county report's sections, in order (一、… 八、)."""

TOWNSHIP_HEADINGS: tuple[str, ...] = (
    "基本情况",
    "图斑核查判定情况",
    "违法用地查处整改情况",
    "问责标准对照情况",
    "存在的问题及下一步打算",
)
"""A township report's sections, in order."""

COUNTY_PROMPTS: Mapping[str, str] = MappingProxyType(
    {
        "unit": "填报单位",
        "date": "报告日期",
        "work": "组织部署、内业比对、实地核查、数据填报和建档立卷情况",
        "judgement": "图斑判定情况分析（合法性判定依据、判定中的难点）",
        "illegal": "违法用地的类型、主体、分布及典型案例",
        "handling": "立案查处、拆除复耕、补办手续等整改措施及成效",
        "mineral": "违法勘查开采矿产资源的查处情况",
        "review": "数据审核发现的问题及纠正情况、督导验收和实地核验情况",
        "accountability": "约谈的时间、对象和问责建议的报送情况",
        "problems": "存在的问题",
        "next": "下一步工作",
    }
)
"""What the author writes in each marked place of the county report."""

TOWNSHIP_PROMPTS: Mapping[str, str] = MappingProxyType(
    {
        "unit": "报送单位",
        "date": "报告日期",
        "work": "本乡镇卫片执法工作的组织和实地核查情况",
        "judgement": "图斑判定依据及与县级审核意见不一致之处",
        "handling": "违法行为的制止、立案查处和整改情况，未整改到位图斑的原因和计划",
        "criteria": "对照问责标准的说明（如有异议，说明理由和材料）",
        "problems": "存在的问题及下一步打算",
    }
)
"""What the author writes in each marked place of a township report."""

SENTENCES: Mapping[str, str] = MappingProxyType(
    {
        "county_patches": (
            "本期共核查卫片图斑 {n_patches} 个，面积 {area} 亩。其中合法图斑 {n_legal} 个，"
            "违法图斑 {n_illegal} 个，其他图斑 {n_other} 个。各乡镇情况见表 1、表 2。"
        ),
        "township_patches": (
            "本乡镇本期共有卫片图斑 {n_patches} 个，面积 {area} 亩。其中合法图斑 {n_legal} 个，"
            "违法图斑 {n_illegal} 个，其他图斑 {n_other} 个。主要指标见下表。"
        ),
        "illegal": (
            "违法用地面积 {illegal} 亩（扣减前），扣减 {deducted} 亩后为 {illegal_after} 亩；"
            "违法占用耕地面积（扣减后）{farmland} 亩，违法占用耕地比例 {ratio}%。"
            "违法占用永久基本农田图斑 {n_pbf} 个、面积 {pbf} 亩，违法占用生态保护红线图斑 "
            "{n_redline} 个、面积 {redline} 亩。"
        ),
        "handling": "全县履职率 {performance}%，查处整改到位率 {rectification}%（各乡镇见表 2）。",
        "mineral": (
            "矿产图斑 {n_mineral} 个，面积 {mineral_area} 亩；其中违法矿产图斑（扣减后）"
            "{n_mineral_illegal} 个，未整改 {n_mineral_unrectified} 个。"
        ),
        "accountability_some": (
            "对照实施方案规定的约谈问责标准，{n} 个乡镇触发问责标准，纳入警示约谈范围，"
            "名单及依据见表 3。"
        ),
        "accountability_none": "对照实施方案规定的约谈问责标准，本期无乡镇触发问责标准。",
        "lists": "红黑榜见表 4。",
        "township_criteria_some": "本乡镇触发问责标准{met}，纳入警示约谈范围。",
        "township_criteria_none": "本乡镇未触发问责标准。",
        "township_list": "本乡镇列入{list}第 {rank} 名。",
        "township_no_patches": "本乡镇本期无卫片图斑。",
    }
)
"""Sentences of the reports, with ``{…}`` fields filled from the printed figures."""

TABLE_CAPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "patches_by_township": "表 1  各乡镇卫片图斑核查及违法用地情况",
        "farmland_by_township": "表 2  各乡镇违法占用耕地及查处整改情况",
        "accountability": "表 3  约谈问责建议名单",
        "lists": "表 4  红黑榜",
        "indicators": "主要指标",
        "patches": "图斑核查判定情况",
        "criteria": "问责标准对照",
    }
)

INDICATOR_COLUMNS: tuple[str, str, str] = ("指标", "本乡镇", "全县合计")
CRITERION_TABLE_COLUMNS: tuple[str, str, str] = ("问责标准", "是否触发", "说明")
LIST_TABLE_COLUMNS: tuple[str, ...] = ("榜单", "名次", "乡镇", "说明")
LIST_NAMES: Mapping[str, str] = MappingProxyType({"red": "红榜", "black": "黑榜"})
MET_WORDS: Mapping[bool, str] = MappingProxyType({True: "是", False: "否"})

PATCH_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "patch_id": "监测编号",
        "area_mu": "图斑面积（亩）",
        "counted_farmland_mu": "计入违法占用耕地面积（亩）",
        "flag_pbf": f"是否{FLAG_LABELS['flag_pbf']}",
    }
)
"""Headers of a township report's patch table besides the labelled columns."""

ACCOUNTABILITY_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "number": "序号",
        "criteria": "触发标准",
        "reasons": "触发依据",
        "measure": "建议措施",
        "referral": "问责建议",
    }
)
"""Headers of the 约谈/问责建议 list besides the township and its figures."""

ACCOUNTABILITY_MEASURE = "纳入警示约谈范围"
"""What meeting a criterion brings by the work plan (§五(四))."""
ACCOUNTABILITY_REFERRAL = "是否提出问责建议及理由"
"""The decision a person makes for each listed township (§三(六)): whether to
propose 问责 to the discipline inspection or personnel department."""
ACCOUNTABILITY_INTRO = (
    "下列乡镇触发实施方案规定的约谈问责标准，纳入警示约谈范围；是否向纪检监察机关或人事部门"
    "提出问责建议，由县自然资源和规划局逐一认定后填写。"
)
ACCOUNTABILITY_NONE = "本期无乡镇触发问责标准。"

SIGNATURE: Mapping[str, str] = MappingProxyType(
    {
        "county": "县自然资源和规划局（盖章）",
        "township": "{township}人民政府（盖章）",
        "drafted": "拟稿人：",
        "checked": "审核人：",
        "date": "年    月    日",
    }
)

TOWNSHIP_DIR = "乡镇工作情况报告"
"""Folder of the township reports inside the reports folder."""

FILE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "county": "卫片执法工作报告（草稿）.docx",
        "township": "{township}卫片执法工作情况报告（草稿）.docx",
        "accountability_docx": "约谈问责建议名单（草稿）.docx",
        "accountability_xlsx": "约谈问责建议名单.xlsx",
    }
)
