"""Every string the planning page shows, in English and Chinese, in one table.

The page asks :func:`t` for each label by key, so the table can move into the project's
message catalogue as a whole. Field labels of the scenario schema are derived from the field
names (``monthly_cap`` -> "Monthly cap"); :data:`FIELD_LABELS` translates the lever fields a
planner touches most, and any field without an entry keeps its English label in both
languages. Field descriptions (the tooltips) are the schema's own English text.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    "title": {"en": "growthsim: what-if planning", "zh": "growthsim：方案推演"},
    "plan_file": {"en": "Saved plan", "zh": "已保存方案"},
    "levers": {"en": "Levers", "zh": "运营杠杆"},
    "section.budget": {"en": "Budget", "zh": "预算"},
    "section.staff": {"en": "Staff", "zh": "运营人员"},
    "section.campaigns": {"en": "Campaigns", "zh": "活动"},
    "section.kols": {"en": "KOL schedules", "zh": "KOL 排期"},
    "section.channels": {"en": "Channels", "zh": "获客渠道"},
    "section.targets": {"en": "Targets", "zh": "目标"},
    "section.run": {"en": "Run settings", "zh": "运行设置"},
    "on": {"en": "on", "zh": "启用"},
    "none": {"en": "none (no limit)", "zh": "无（不限）"},
    "run": {"en": "Run", "zh": "运行"},
    "cancel": {"en": "Stop", "zh": "停止"},
    "reset": {"en": "Reset to saved plan", "zh": "恢复为已保存方案"},
    "progress": {"en": "{done} of {total} replicates", "zh": "已完成 {done} / {total} 次重复"},
    "first_result": {
        "en": "first replicate shown {secs:.2f} s after Run",
        "zh": "按下运行后 {secs:.2f} 秒显示首个结果",
    },
    "finished": {"en": "finished in {secs:.1f} s", "zh": "用时 {secs:.1f} 秒"},
    "stopped": {"en": "stopped", "zh": "已停止"},
    "not_run": {
        "en": "Press Run to simulate the edited plan beside the saved plan.",
        "zh": "按“运行”模拟修改后的方案，并与已保存方案对比。",
    },
    "invalid": {"en": "The edited plan is not valid:", "zh": "修改后的方案无效："},
    "edits": {"en": "{n} field(s) changed from the saved plan", "zh": "相对已保存方案修改了 {n} 项"},
    "tab.results": {"en": "Results", "zh": "结果"},
    "tab.story": {"en": "Single-run story", "zh": "单次推演"},
    "tab.browse": {"en": "Open a run folder", "zh": "打开运行目录"},
    "figures": {
        "en": "Headline figures (median, P10–P90) at the end of the horizon",
        "zh": "期末主要指标（中位数，P10–P90）",
    },
    "paired": {
        "en": "Edited minus saved plan, paired by replicate (common random numbers)",
        "zh": "修改方案减已保存方案，按重复配对（共同随机数）",
    },
    "targets": {
        "en": "Chance of hitting each target (share of futures, 95% interval)",
        "zh": "达成各目标的概率（未来情景占比，95% 区间）",
    },
    "col.target": {"en": "target", "zh": "目标"},
    "col.kpi": {"en": "figure", "zh": "指标"},
    "col.base": {"en": "saved plan", "zh": "已保存方案"},
    "col.edited": {"en": "edited plan", "zh": "修改方案"},
    "col.diff": {"en": "difference (median, P10–P90)", "zh": "差值（中位数，P10–P90）"},
    "col.better": {"en": "chance edited is better", "zh": "修改方案更优的概率"},
    "chart.members": {"en": "Members", "zh": "成员数"},
    "chart.groups": {"en": "Groups", "zh": "群数"},
    "chart.dau": {"en": "Daily active members (DAU)", "zh": "日活跃成员（DAU）"},
    "chart.cost": {"en": "Cumulative cost (dashed) and gross margin", "zh": "累计成本（虚线）与毛利"},
    "chart.roi": {"en": "ROI to date", "zh": "累计 ROI"},
    "band_note": {
        "en": "lines: medians; shaded: P10–P90 over replicates",
        "zh": "线：中位数；阴影：各次重复的 P10–P90",
    },
    "download_plan": {"en": "Download edited plan (YAML)", "zh": "下载修改后的方案（YAML）"},
    "download_run": {"en": "Download run folder (zip)", "zh": "下载运行目录（zip）"},
    "story.run": {"en": "Simulate one future", "zh": "模拟一次未来"},
    "story.day": {"en": "Day", "zh": "第几天"},
    "story.play": {"en": "Play", "zh": "播放"},
    "story.pause": {"en": "Pause", "zh": "暂停"},
    "story.next": {"en": "Next day", "zh": "下一天"},
    "story.prev": {"en": "Previous day", "zh": "前一天"},
    "story.events_today": {"en": "Events on day {day}", "zh": "第 {day} 天的事件"},
    "story.counts": {
        "en": "members {members}, DAU {dau}, groups {groups}",
        "zh": "成员 {members}，日活 {dau}，群 {groups}",
    },
    "story.no_events": {"en": "no events", "zh": "无事件"},
    "story.curve": {"en": "Members in one simulated future, events marked", "zh": "一次模拟中的成员数与事件"},
    "story.graph": {
        "en": "Sample of the social graph on day {day} ({n} people)",
        "zh": "第 {day} 天社交网络抽样（{n} 人）",
    },
    "story.hint": {
        "en": "Replicate 0 of the edited plan, stepped day by day.",
        "zh": "修改方案的第 0 次重复，逐日推进。",
    },
    "state.outsider": {"en": "outsider", "zh": "未加入"},
    "state.member": {"en": "member", "zh": "成员"},
    "state.active": {"en": "active today", "zh": "今日活跃"},
    "state.dormant": {"en": "dormant", "zh": "沉默"},
    "state.churned": {"en": "left", "zh": "已退出"},
    "event.campaign_start": {"en": "campaign {name} starts", "zh": "活动 {name} 开始"},
    "event.campaign_end": {"en": "campaign {name} ends", "zh": "活动 {name} 结束"},
    "event.campaign_stopped": {
        "en": "campaign {name} stopped: its budget cap is spent",
        "zh": "活动 {name} 停止：预算上限用完",
    },
    "event.campaign_event": {"en": "{name} held", "zh": "举办 {name}"},
    "event.budget": {"en": "budget exhausted: discretionary spending refused", "zh": "预算用完：可支配支出被拒"},
    "event.groups": {"en": "{n} group(s) opened ({total} in all)", "zh": "新开 {n} 个群（共 {total} 个）"},
    "event.kol": {"en": "KOL {name}: {n} post(s)", "zh": "KOL {name}：发布 {n} 条"},
    "event.vip": {"en": "VIP selection: {n} member(s) invited", "zh": "VIP 评选：邀请 {n} 人"},
    "kind.campaign_start": {"en": "campaign starts", "zh": "活动开始"},
    "kind.campaign_end": {"en": "campaign ends", "zh": "活动结束"},
    "kind.campaign_stopped": {"en": "cap spent", "zh": "预算上限用完"},
    "kind.campaign_event": {"en": "campaign event", "zh": "活动举办"},
    "kind.budget": {"en": "budget exhausted", "zh": "预算用完"},
    "kind.groups": {"en": "group opened", "zh": "新开群"},
    "kind.kol": {"en": "KOL post", "zh": "KOL 发布"},
    "kind.vip": {"en": "VIP selection", "zh": "VIP 评选"},
    "browse.path": {"en": "Run folder (path on this computer)", "zh": "运行目录（本机路径）"},
    "browse.open": {"en": "Open", "zh": "打开"},
    "browse.plans": {"en": "Plans in this run: {plans}", "zh": "本次运行的方案：{plans}"},
    "language": {"en": "中文", "zh": "English"},
    "replicates": {"en": "Replicates", "zh": "重复次数"},
    "error.number": {"en": "expected a number, found {text!r}", "zh": "应为数字，实际为 {text!r}"},
    "error.server": {"en": "the run failed: {error}", "zh": "运行失败：{error}"},
}

FIELD_LABELS: dict[str, str] = {
    "total": "总预算",
    "monthly_cap": "月度上限",
    "count": "人数",
    "salary_per_month": "月薪",
    "groups_each": "每人管理群数",
    "hours_per_day": "每天在线小时",
    "start_day": "开始日",
    "end_day": "结束日",
    "budget_cap": "预算上限",
    "fatigue": "疲劳保留率",
    "threshold": "邀请人数门槛",
    "reward": "奖励金额",
    "invite_multiplier": "邀请提升倍数",
    "reference_reward": "参考奖励",
    "reward_elasticity": "奖励弹性",
    "streak_days": "连续打卡天数",
    "activity_multiplier": "活跃提升倍数",
    "engagement_lift": "活跃刺激",
    "win_prob": "中奖概率",
    "prize": "奖品金额",
    "conversion_multiplier": "转化提升倍数",
    "duration_days": "持续天数",
    "discount": "折扣比例",
    "cost_per_event": "每场成本",
    "followup_days": "跟进天数",
    "every_days": "间隔天数",
    "per_week": "每周次数",
    "cost_per_post": "每条费用",
    "referral_multiplier": "裂变提升倍数",
    "groups_reached": "触达群数",
    "min_tenure_days": "最短入群天数",
    "daily_budget": "每日预算",
    "base_reach": "自然触达",
    "max_reach": "最大付费触达",
    "half_saturation_spend": "半饱和花费",
    "join_rate": "加入率",
    "cost_per_join": "每人加入成本",
    "daily_intake_cap": "每日加入上限",
    "target_block": "目标区块",
    "join_engagement": "加入时活跃度",
    "replicates": "重复次数",
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The message ``key`` in ``lang`` (English when missing), formatted with ``values``."""
    entry = MESSAGES[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def field_label(name: str, lang: str = "en") -> str:
    """A schema field's label: from its name in English, from :data:`FIELD_LABELS` in Chinese."""
    if lang == "zh" and name in FIELD_LABELS:
        return FIELD_LABELS[name]
    return name.replace("_", " ").capitalize()
