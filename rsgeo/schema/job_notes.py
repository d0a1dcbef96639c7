"""Words of ``rsgeo init``: how inputs are recognised, and a note for every job-file key.

:data:`NAME_HINTS` are the pieces of file and layer names by which a county's
files are recognised (the pinyin initials of the ministry layer codes and the
Chinese names); :data:`KEY_NOTES` is the comment ``rsgeo init`` writes above
each key of the job-file template, Chinese first, English beside.

Examples
--------
>>> "yjjbnt" in NAME_HINTS["pbf"]
True
>>> KEY_NOTES["job.cutoff"].split(" / ")[1][:30]
'illegal state removed on or be'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["KEY_NOTES", "NAME_HINTS", "SECTION_NOTES", "TEMPLATE_NOTES"]

NAME_HINTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "patches": ("jctb", "监测图斑", "xstb", "线索", "wptb", "卫片图斑", "bhtb", "变化图斑"),
        "townships": ("xzq", "乡镇", "township", "xzjx", "街道"),
        "county": ("county", "县界", "xjxzq", "县级", "xzqh_x", "县域"),
        "farmland": ("dltb", "地类图斑", "耕地", "gengdi", "sandiao", "三调"),
        "pbf": ("yjjbnt", "jbnt", "永久基本农田", "基本农田", "永农"),
        "redline": ("stbhhx", "生态保护红线", "生态红线", "sthx"),
        "urban": ("czkfbj", "城镇开发边界", "kfbj"),
        "protected": ("zrbhd", "自然保护地", "保护区"),
        "approved": ("pzyd", "批准用地", "报批", "bpyd", "供地", "gdxm"),
        "facility": ("ssnyd", "设施农用地", "设施农业"),
        "temporary": ("lsyd", "临时用地"),
        "mining_rights": ("ckq", "采矿权", "kyq", "矿业权"),
        "military": ("jyd", "军用", "军事"),
        "determinations": ("判定", "核实", "认定", "determination", "pdb"),
        "denominator": ("变更调查", "分母", "denominator", "change_survey"),
        "manual_flags": ("问责", "manual_flags", "标准二", "标准五"),
        "imagery_before": ("_before", "前时相", "_qsx"),
        "imagery_after": ("_after", "后时相", "_hsx"),
    }
)
"""Pieces of a file's or layer's name (compared case-insensitively) that tell
what it holds, by job-file key."""

SECTION_NOTES: Mapping[str, str] = MappingProxyType(
    {
        "head": (
            "rsgeo 任务文件（由 rsgeo init 生成） / rsgeo job file (written by rsgeo init)\n"
            "相对路径相对于本文件所在文件夹；路径用正斜杠 / 或单引号 'D:\\数据\\x.shp' / "
            "relative paths are relative to this file's folder; write paths with / or in "
            "single quotes\n"
            "以 # 开头的行是注释；去掉 # 即启用该项 / lines starting with # are comments; "
            "remove the # to use a key\n"
            "完整说明见 docs/使用说明.md 与 docs/job.md / every key: docs/使用说明.md, docs/job.md\n"
            "检查 / check: rsgeo check job.toml    运行 / run: rsgeo run job.toml --out 成果"
        ),
        "job": "[job] 任务信息 / the job",
        "patches": "[[patches]] 每批下发的监测图斑一节 / one table per delivered patch batch",
        "layers": "[layers.KEY] 参考图层 / reference layers",
        "townships": "[townships] 乡镇界线（必填） / township boundaries (required)",
        "county": "[county] 县界（可选，用于图斑出界检查） / county boundary (optional)",
        "imagery": "[imagery] 前后时相影像，用于图斑档案 / before/after imagery for the dossiers",
        "determinations": (
            "[[determinations]] 外业核查判定表，每期一节，后面的表优先 / "
            "the field crews' determination tables, the later one wins"
        ),
        "denominator": (
            "[denominator] 变更调查分母表（可选）：启用前请核对年度与口径；不启用时分母由图斑计算 / "
            "the change survey's denominator (optional): check its year before use; "
            "without it the denominator comes from the patches"
        ),
        "manual_flags": (
            "[manual_flags] 问责标准二、五的人工认定表（可选） / "
            "manual flags of criteria 2 and 5 (optional)"
        ),
        "evidence": (
            "[evidence] 国土调查云举证包（SQLite，照片表 FJ），照片放入图斑档案 / "
            "a 国土调查云 evidence package (SQLite, photo table FJ): its photos go into the dossiers"
        ),
        "maps": (
            "[maps] 外业地图的离线底图（GeoTIFF 或 MBTiles，可选） / "
            "the field maps' offline basemap (a GeoTIFF or an MBTiles file, optional)"
        ),
        "platform_figures": (
            "[platform_figures] 平台套合结果表（可选），与 rsgeo 的面积逐图斑比对 / "
            "the platform's overlay figures per patch (optional), compared with rsgeo's"
        ),
        "criteria": (
            "[criteria] 问责标准阈值，以下为默认值 / accountability thresholds, defaults shown"
        ),
        "lists": "[lists] 红黑榜 / red and black lists, defaults shown",
        "outputs": "[outputs] 要写出的成果，默认全部 / the outputs to write, all by default",
        "spot_check": "[spot_check] 抽查样本 / the spot-check sample, defaults shown",
        "unused": (
            "以下文件未能识别，如需使用请手工加入 / files not recognised; add them by hand "
            "if they are inputs"
        ),
        "other_years": ("其他年度的数据（未启用） / data of other years (not used)"),
        "check": "请核对 / check",
        "sure": "已识别 / recognised",
    }
)
"""Section comments of the template (one per section, Chinese / English)."""

KEY_NOTES: Mapping[str, str] = MappingProxyType(
    {
        "job.name": "任务名称，印在报表与审核记录上 / title of the reports",
        "job.cutoff": (
            "扣减截止日：此日（含）前整改到位的违法状态予以扣减，按当年度工作方案填写 / "
            "illegal state removed on or before this day is deducted (work plan)"
        ),
        "job.reviewer": "数据审核人或审核组，印在审核记录上 / who reviewed the data",
        "job.filing_unit": (
            "填报单位，印在统计报表每页的标题下 / the filing unit printed under each sheet's title"
        ),
        "job.working_crs": (
            "叠加分析所用坐标系，默认取图斑所在高斯-克吕格分带 / working CRS, default: "
            "the Gauss-Krüger zone of the patches"
        ),
        "job.profile": (
            '判定用语口径 "auto"、"2020" 或 "2026"，默认自动识别 / vocabulary of the '
            "determinations, detected by default"
        ),
        "patches.path": "图斑文件：shp、zip、gpkg、geojson 或 gdb / the patch file",
        "patches.batch": "批次名，如 2020Q3 / batch name",
        "source.layer": "GeoPackage/FileGDB 中的图层名 / layer inside the file",
        "source.encoding": '属性表编码（默认读 .cpg 或自动识别），如 "gbk" / DBF encoding',
        "source.crs": (
            '文件没有坐标系（缺 .prj）时指定，如 "EPSG:4490" / CRS when the file has none'
        ),
        "source.fields": (
            '字段对应：{ 原字段 = "标准名" }，见 docs/fields.md / '
            "field overrides, see docs/fields.md"
        ),
        "layers.attributes": (
            "带入结果的字段，默认带入规则所需字段：{default} / fields carried into the "
            "result, default: {default}"
        ),
        "imagery.before": "前时相影像文件夹（<监测编号>_before.tif） / before-images folder",
        "imagery.after": "后时相影像文件夹（<监测编号>_after.tif） / after-images folder",
        "determinations.layer": "工作表名，默认第一个 / the sheet, default the first",
        "denominator.source": "表中无来源列时印出的来源 / the source printed when the table has none",
        "criteria.ratio_min": "标准一：违法占用耕地比例下限 / criterion 1: ratio threshold",
        "criteria.illegal_farmland_min_mu": (
            "标准一：违法占用耕地面积（亩） / criterion 1: illegal farmland, 亩"
        ),
        "lists.red_size": "红榜乡镇数 / townships on the red list",
        "lists.black_size": "黑榜乡镇数 / townships on the black list",
        "outputs": (
            "workbook 统计报表, csv, county_map 全县图, field_maps 外业地图, review 审核记录, "
            "dossiers 图斑档案, sealed 机要成果, gis_layers 成果图层, reports 报告草稿"
        ),
        "evidence.match": (
            "照片归属：先按监测编号，再按拍摄位置 / how a photo finds its patch: "
            "by patch id, then by position"
        ),
        "maps.basemap": "底图文件（.tif / .tiff / .mbtiles） / the basemap file",
        "platform_figures.unit": "表中面积的单位（表头未注明时）：mu 或 m2 / the unit when headers name none",
        "spot_check.per_township": "每个乡镇抽查的图斑数 / patches drawn per township",
        "spot_check.seed": "随机种子，相同种子抽出相同样本 / the same seed draws the same sample",
    }
)
"""The comment above each key of the template, by ``section.key``."""

TEMPLATE_NOTES: Mapping[str, str] = MappingProxyType(
    {
        "no_crs": ('该文件没有坐标系，请指定 / the file has no CRS, give it: crs = "EPSG:4490"'),
        "several": (
            "找到多个候选文件，已启用第一个，请核对 / several candidates, the first is used: check"
        ),
        "none_found": "未找到，如有请填写路径 / not found: give the path if you have one",
        "year_cutoff": (
            "数据年度为 {year}，默认截止日 {cutoff} 属于其他年度，请核对 / the data are of "
            "{year}, the default cutoff {cutoff} is not: check it"
        ),
        "title": "{folder} {year} 年卫片执法",
    }
)
"""Notes the template writes beside what it found or could not decide."""
