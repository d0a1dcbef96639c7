"""What the ``rsgeo`` command says: Chinese first, English beside.

Every help text, progress or summary line and error explanation the command
line prints lives here, as one text "中文 / English", so a county technician
reads it in Chinese and a colleague or a bug report still has the English.
Library exceptions keep their English message; the command prints the
Chinese explanation of the error's class (:data:`ERROR_EXPLANATIONS`) in
front of it.

Examples
--------
>>> HELP["run"]
'运行任务文件 / run a job file'
>>> say("check_ok", job="job.toml", n=4, layers="farmland, pbf", cutoff="2020-12-21")
'job.toml: 检查通过，所有输入均可打开 / OK — every input opened: 4 个图斑文件 / patch file(s), 参考图层 / layers: farmland, pbf; 扣减截止日 / cutoff 2020-12-21'
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ERROR_EXPLANATIONS", "HELP", "MESSAGES", "STEPS", "say"]

HELP: Mapping[str, str] = MappingProxyType(
    {
        "description": (
            "卫片执法 GIS 工作：叠加分析、分类、乡镇统计、问责标准、统计报表、外业地图、"
            "审核记录与图斑档案 / satellite-imagery land enforcement GIS work for county "
            "natural-resources bureaus"
        ),
        "epilog": (
            "使用说明见 docs/使用说明.md / user manual: docs/使用说明.md. "
            "退出码 / exit codes: 0 完成 done; 2 命令行有误 bad command line; "
            "3 输入有误 bad input; 4 文件无法读写 file unreadable; "
            "5 输出已存在 output exists; 130 已中断 interrupted; 1 意外错误 unexpected"
        ),
        "commands": "子命令 / commands",
        "positionals": "必填参数 / arguments",
        "optionals": "选项 / options",
        "version": "显示版本号 / show the version",
        "help": "显示本帮助并退出 / show this help and exit",
        "debug": "出错时显示完整调用栈 / show the traceback of an error",
        "quiet": "不显示进度与汇总 / no progress bars or summary",
        "run": "运行任务文件 / run a job file",
        "run_job": "任务文件（TOML） / the job file (TOML)",
        "out": "输出文件夹 / output folder",
        "overwrite": "替换已有的输出 / replace existing outputs",
        "workers": (
            "在本机启动 N 个工作进程分区运行（需 rsgeo[cluster]） / "
            "run the overlay by partition on a local Dask cluster of N worker processes"
        ),
        "cluster": (
            "连接已运行的 Dask 调度器分区运行，如 tcp://10.0.0.5:8786 / "
            "run the overlay by partition on a running Dask scheduler"
        ),
        "memory_limit": (
            "本机集群每个工作进程的内存上限，如 4GB / memory limit per local worker, e.g. 4GB"
        ),
        "demo": "用随附的融水示例数据运行全部流程 / run the job on the bundled Rongshui sample",
        "check": "检查任务文件并打开每个输入，不做计算 / validate a job file and open every input",
        "check_job": "要检查的任务文件（TOML） / the job file (TOML) to check",
        "info": "查看 rsgeo 从一个文件读到的内容 / what rsgeo reads from a file",
        "info_path": "数据文件（shp、gpkg、geojson、gdb、zip） / the data file",
        "layer": "GeoPackage/FileGDB 中的图层名 / layer inside a GeoPackage or FileGDB",
        "encoding": "属性表编码，如 gbk / DBF encoding override, e.g. gbk",
        "crs": "文件没有坐标系时指定，如 EPSG:4490 / CRS when the file has none",
        "patches": "按监测图斑读取（含编号） / read as a patch file (ids)",
        "convert": (
            "把图层转成按空间排序、分块的 GeoParquet（省级数据） / "
            "write a layer as spatially sorted, partitioned GeoParquet"
        ),
        "convert_src": "要转换的图层文件（shp、gpkg、geojson、gdb、zip、parquet） / the layer file",
        "convert_dest": "输出的 GeoParquet 文件夹，如 dltb.parquet / the GeoParquet folder to write",
        "rows_per_part": (
            "每个分块文件的最多要素数，默认 {default:,} / most features in one part file, "
            "{default:,} by default"
        ),
        "row_group_rows": "每个行组的要素数，默认 {default:,} / features in one row group, {default:,} by default",
        "compression": (
            "压缩方式，默认 {default}（读取快；zstd 文件小约五分之一） / Parquet compression ({choices}), {default} "
            "by default (read faster); zstd: files about a fifth smaller"
        ),
        "convert_overwrite": "替换已有的输出文件夹 / replace an existing dataset folder",
        "init": (
            "按文件夹中的数据生成带注释的任务文件模板 job.toml / "
            "write a commented job-file template for the files in a folder"
        ),
        "init_folder": "存放数据的文件夹 / the folder holding the data",
        "init_year": (
            "只用该年度的图斑与判定表（文件夹含多个年度时） / "
            "use only this year's batches and tables (when the folder holds several years)"
        ),
        "init_overwrite": "替换已有的 job.toml / replace an existing job.toml",
        "timings": (
            "运行结束后列出各阶段的耗时、CPU 与内存峰值（也写入 run.json） / "
            "print each stage's time, CPU and peak memory (also in run.json)"
        ),
        "register": "图斑台账：跨批次记录每个图斑及其判定、整改、拆分与销号 / the patch register",
        "register_actions": "台账操作 / register actions",
        "register_create": "新建台账 / create a register",
        "register_ingest": "导入一个批次的图斑（一次事务） / ingest a batch of patches",
        "register_determine": "记录判定表（含整改） / record a determinations table",
        "register_split": "拆分图斑 / split a patch into parts",
        "register_close": "图斑销号 / close a patch (销号)",
        "register_state": "截至某日的图斑状态 / the state of every patch as of a day",
        "register_history": "一个图斑的全部记录 / every event of one patch",
        "register_stats": (
            "按任务文件统计截至某日的乡镇汇总 / township statistics of a job as of a day"
        ),
        "register_reconcile": "各批次勾稽核对 / reconciliation of every batch",
        "register_blacklist": "违法用地黑名单（Excel） / the blacklist of violators (Excel)",
        "register_export": (
            "按 2020 年导出或 2026 年线索表格式导出一个批次 / "
            "export a batch in the 2020 or the 2026 layout"
        ),
        "register_target": "台账：.gpkg 文件或 postgresql:// 地址 / the register: a .gpkg or a URL",
        "register_crs": "台账的坐标系（EPSG 代码，如 4524） / the register's CRS (EPSG code)",
        "register_user": "记录人（默认为登录名） / who records (default: the login name)",
        "register_file": "图斑文件 / the patch file",
        "register_batch": "批次名称，如 2020Q1 / the batch name",
        "register_delivered": "下发日期 / the day the batch was delivered",
        "register_link_overlap": (
            "与往期图斑重叠达此比例即关联（0–1） / link to an earlier patch overlapping this share"
        ),
        "register_table": "判定表（.xlsx/.csv） / the determinations table",
        "register_on": "发生日期 / the day it took effect",
        "register_patch": "图斑编号 / the patch id",
        "register_parts": (
            "子图斑图层（第一列为子图斑编号） / the parts' layer (first column: part id)"
        ),
        "register_areas": "按面积拆分：子图斑编号=平方米 / split by areas: PART=M2",
        "register_note": "说明 / a note",
        "register_as_of": "截至日期（默认为今天） / as of this day (default: today)",
        "register_job": "读取台账的任务文件 / a job file with [register]",
        "register_out": "输出文件 / the output file",
        "register_layout": "导出格式 / the layout",
    }
)
"""Help texts of ``rsgeo`` and its subcommands and options."""

MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "prog_error": "rsgeo: {kind}: {message}",
        "error": "错误 / error",
        "unexpected": "意外错误 / unexpected error ({name})",
        "debug_hint": (
            "rsgeo: 请加 --debug 重新运行以查看调用栈，并报告此问题 / "
            "run again with --debug to see the traceback"
        ),
        "usage_hint": "rsgeo: 命令行有误，用 rsgeo --help 查看用法 / bad command line; see rsgeo --help",
        "interrupted": "rsgeo: 已中断 / interrupted",
        "interrupted_kept": (
            "rsgeo: 已中断，{out} 中没有写了一半的输出，保留上次完整运行的结果（如有） / "
            "interrupted; nothing half-written is left in {out}: it keeps the outputs of the "
            "last run that finished, if any"
        ),
        "check_problems": "rsgeo: {job}: 输入有 {n} 个问题 / {n} problem(s) with the inputs:",
        "check_ok": (
            "{job}: 检查通过，所有输入均可打开 / OK — every input opened: "
            "{n} 个图斑文件 / patch file(s), 参考图层 / layers: {layers}; "
            "扣减截止日 / cutoff {cutoff}"
        ),
        "run_done": "运行完成 / run finished",
        "timings_header": (
            "各阶段耗时 / time of each stage:\n"
            "  墙钟秒   占比   CPU秒  内存峰值MB  阶段 / wall s, share, CPU s, peak RSS MB, stage"
        ),
        "note": "rsgeo: 注意 / note: {message}",
        "info_features": "{path}: {n} 个要素 / features, 坐标系 / CRS {crs}",
        "info_fields": "字段 / fields: {fields}",
        "init_written": "已写出任务文件模板 / job-file template written: {path}",
        "init_found": "找到 / found: {what}",
        "init_check": (
            "请核对注释中标有“请核对 / check”的项，再运行 / check the keys marked "
            "“请核对 / check”, then run: rsgeo check {path}"
        ),
        "init_exists": (
            "任务文件已存在 / job file exists: {path}; 加 --overwrite 替换 / "
            "give --overwrite to replace it"
        ),
        "init_not_folder": "不是文件夹 / not a folder: {path}",
        "convert_progress": "rsgeo: {line}",
        "convert_done": (
            "已写出 / written: {path}: {rows} 个要素 / features, {parts} 个分块文件 / part files, "
            "{mb:.1f} MB"
        ),
        "register_created": "已新建台账 / register created: {target} (EPSG:{crs})",
        "register_done": "台账已记录 / recorded in {target}: {what}",
        "register_written": "已写出 / written: {path}",
    }
)
"""Lines the command prints; ``{name}`` fields are filled by :func:`say`."""

STEPS: Mapping[str, str] = MappingProxyType(
    {
        "reading": "读取输入 / reading inputs",
        "overlay": "叠加分析 / overlay: {patches} 个图斑 / patches × {layers} 个图层 / layers",
        "compiling": (
            "首次运行：编译计算内核，约需 20 秒，之后缓存 / "
            "compiling the kernels: first run only, about 20 s, cached afterwards"
        ),
        "classifying": "图斑分类 / classifying",
        "stats": "乡镇统计 / township statistics",
        "review": "数据审核 / review",
        "moving": "移入输出文件夹 / moving the outputs into {out}",
        "workbook": "统计报表 / workbook",
        "county_map": "全县图 / county map",
        "field_maps": "外业地图 / field maps",
        "review_record": "审核记录 / review record",
        "dossiers": "图斑档案 / dossiers",
        "dossiers_wait": "图斑档案（等待完成） / dossiers (waiting for the workers)",
        "unplaced_photos": (
            "{n} 张举证照片未能归属图斑（列于 dossiers/index.html） / "
            "{n} evidence photos not placed (listed in dossiers/index.html)"
        ),
        "unplaced_photos_province": (
            "{n} 张举证照片未能归属图斑（列于 dossiers/未归属照片.html） / "
            "{n} evidence photos not placed (listed in dossiers/未归属照片.html)"
        ),
        "gis_layers": "成果图层 / result layers",
        "reports": "报告草稿 / draft reports",
        "sealed": "机要成果 / sealed military-land output",
        "cluster_overlay": (
            "分区叠加分析 / overlay by partition: {patches} 个图斑 / patches, "
            "{partitions} 个分区 / partitions × {layers} 个图层 / layers"
        ),
        "partition_done": (
            "分区完成 / partition done ({done}/{total}): {label}, {patches} 个图斑 / patches"
        ),
        "partition_failed": (
            "分区失败，已记入报告 / partition failed, reported ({done}/{total}): {label}: {reason}"
        ),
        "map_layers": "读取地图图层 / reading the layers the maps show",
        "county_outputs": "分县统计、地图与档案 / statistics, maps and dossiers by county",
        "county_done": "县级地图与档案完成 / county maps and dossiers done ({done}/{total}): {label}",
        "county_on_client": (
            "工作节点无法写入输出文件夹，县级地图与档案在本机生成 / the workers cannot "
            "write the output folder: the county maps and dossiers are written here"
        ),
    }
)
"""The stages a run announces as it goes ("rsgeo: 统计报表 / workbook"), and the notes it
prints inside a stage (``compiling``, ``unplaced_photos``)."""


ERROR_EXPLANATIONS: Mapping[str, str] = MappingProxyType(
    {
        "JobFileError": "任务文件有误，请逐条修改 / the job file has problems",
        "OutputExistsError": "输出文件夹已存在 / output exists",
        "DataFileError": "文件找不到或无法读取 / a file cannot be found or read",
        "FieldError": "字段缺失或对应有误 / a field is missing or mapped wrongly",
        "CRSMismatchError": "图层坐标系不一致 / layers in different CRSs",
        "CRSError": "坐标系缺失或无法识别 / CRS missing or unusable",
        "GeometryError": "图形无效或类型不对 / invalid or wrong geometry",
        "DuplicateIdError": "图斑编号重复或缺失 / patch ids duplicated or missing",
        "ProfileError": "判定用语不属于同一套口径 / determination vocabulary mixed or unknown",
        "RegisterVersionError": "台账由更新版本的 rsgeo 写成 / the register is from a newer rsgeo",
        "RegisterError": "台账拒绝了这次修改，未写入任何内容 / the register refused; nothing written",
        "InputError": "输入数据有误 / bad input",
        "RsgeoError": "rsgeo 无法完成 / rsgeo cannot go on",
        "FileExistsError": "文件已存在 / a file exists",
        "PermissionError": "没有读写权限（文件可能正在 Excel 中打开） / permission denied",
        "OSError": "文件读写出错 / a file cannot be read or written",
    }
)
"""The Chinese explanation printed before an error's English message, by the
name of its class; the command takes the first name in the class's MRO."""


def say(key: str, **values: object) -> str:
    """The message ``key`` of :data:`MESSAGES` with its fields filled.

    Examples
    --------
    >>> say("init_not_folder", path="D:/数据")
    '不是文件夹 / not a folder: D:/数据'
    """
    return MESSAGES[key].format(**values)
