"""Domain terms: the jieba user dictionary and lexicon-hit features.

The term lists follow the taxonomy (/work/shared/taxonomy.md). They are features,
not rules: the models learn how much each group of hits counts.
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

CATEGORY_TERMS: dict[str, tuple[str, ...]] = {
    "domestic_violence": (
        "家暴", "家庭暴力", "殴打妻子", "打老婆", "被丈夫打", "被老公打", "丈夫殴打", "男友殴打",
        "人身安全保护令", "反家暴", "反家庭暴力法", "告诫书", "控制欲", "精神控制", "冷暴力",
        "跪地求饶", "拳打脚踢", "掐脖子", "被前夫", "施暴", "家暴男",
    ),
    "sexual_violence": (
        "性侵", "性侵害", "强奸", "猥亵", "性骚扰", "强制猥亵", "偷拍", "咸猪手", "职场性骚扰",
        "迷奸", "骚扰短信", "裙底", "揩油", "性暴力", "非礼", "露阴",
    ),
    "trafficking_missing": (
        "拐卖", "拐骗", "人贩子", "人贩", "失踪", "走失", "寻人", "寻亲", "被拐", "抢孩子",
        "偷孩子", "买媳妇", "买卖妇女", "拐卖妇女", "拐卖儿童", "强迫婚姻", "包办婚姻", "被卖",
        "打拐", "团圆行动", "下落不明", "失联",
    ),
    "child_abuse_neglect": (
        "虐童", "虐待儿童", "虐待", "体罚", "留守儿童", "监护缺失", "遗弃", "弃婴", "继母",
        "后妈", "饿肚子", "监护人", "撤销监护权", "针扎", "保姆虐待", "托育", "事实孤儿",
    ),
    "school_safety": (
        "校园欺凌", "霸凌", "欺凌", "校园暴力", "校园安全", "幼儿园", "食堂", "学生餐", "营养餐",
        "课桌", "校车", "学校", "班主任", "同学", "宿舍", "操场", "跳楼", "毒跑道",
    ),
    "discrimination_rights": (
        "就业歧视", "性别歧视", "怀孕被辞退", "孕期辞退", "产假", "生育津贴", "同工不同酬",
        "男女同酬", "土地承包", "出嫁女", "继承权", "招聘限男性", "只招男性", "育儿假", "劳动仲裁",
        "哺乳期", "孕检", "婚育状况", "权益",
    ),
    "marriage_family": (
        "离婚", "抚养权", "彩礼", "天价彩礼", "退彩礼", "婚内财产", "离婚冷静期", "骗婚", "出轨",
        "重婚", "抛弃", "分居", "婚姻", "婆媳", "赡养", "探视权", "夫妻共同债务", "婚恋",
    ),
    "health_safety": (
        "孕产妇", "产妇", "新生儿", "婴儿", "奶粉", "疫苗", "医院", "产科", "剖腹产", "分娩",
        "宫颈癌", "HPV", "乳腺癌", "两癌筛查", "母婴", "儿童用品", "玩具", "食品安全", "过期",
        "医疗事故", "早产", "儿童药", "有毒",
    ),
    "online_harm": (
        "网暴", "网络暴力", "人肉", "开盒", "曝光隐私", "裸聊", "裸照", "敲诈", "性勒索", "诈骗",
        "杀猪盘", "网恋", "造黄谣", "黄谣", "直播", "短视频", "未成年人网络", "网络游戏", "充值",
        "私信", "诱导",
    ),
}

RISK_TERMS: dict[str, tuple[str, ...]] = {
    "grave": (
        "死亡", "身亡", "致死", "去世", "遇害", "杀害", "命案", "自杀", "跳楼", "溺亡", "重伤",
        "抢救", "ICU", "植物人", "截肢", "多名", "数十名", "集体", "性侵幼女", "幼女", "女童",
        "男童", "未成年", "官员", "干部", "校长", "园长", "包庇", "刷屏", "热搜", "聚集",
        "维权", "讨说法", "围堵", "拉横幅", "转疯了",
    ),
    "harm": (
        "受伤", "骨折", "住院", "报警", "立案", "刑拘", "逮捕", "调查", "通报", "起诉",
        "判决", "伤情", "殴打", "求助", "投诉", "曝光", "质疑", "涉事",
    ),
    "benign": (
        "宣传", "讲座", "培训", "表彰", "活动", "志愿者", "慰问", "开展", "举办", "会议",
        "成立", "签约", "优惠", "促销", "节日快乐", "祝福", "启动", "宣讲", "科普",
    ),
}

RUMOR_TERMS: tuple[str, ...] = (
    "网传", "据说", "听说", "疯传", "转疯了", "扩散", "速转", "紧急扩散", "辟谣", "谣言",
    "不实", "假消息", "不属实", "造谣", "传言", "未经证实", "大家注意", "千万转发", "朋友圈",
    "群里", "一位网友称", "据传", "虚假信息", "已辟谣", "网警提示",
)

SENTIMENT_TERMS: dict[str, tuple[str, ...]] = {
    "negative": (
        "愤怒", "心寒", "气愤", "可怕", "恶心", "痛心", "心疼", "无语", "太惨", "悲剧", "恐怖",
        "害怕", "哭", "心碎", "震惊", "畜生", "禽兽", "严惩", "不作为", "失望",
    ),
    "positive": (
        "点赞", "感谢", "温暖", "暖心", "好消息", "成功", "获救", "团圆", "表彰", "开心",
        "祝福", "爱心", "致敬", "顺利", "好样的", "给力",
    ),
}

SLANG_TERMS: tuple[str, ...] = (
    "家暴男", "渣男", "妈宝男", "扶弟魔", "普信男", "小仙女", "宝妈", "宝爸", "熊孩子", "鸡娃",
    "丧偶式育儿", "全职妈妈", "剩女", "恋爱脑", "PUA", "小孩哥", "小孩姐", "母婴店", "二胎",
    "三孩", "月嫂", "育儿嫂", "坐月子", "产后抑郁", "网红", "吃瓜", "热搜", "破防", "无语子",
    "妇联", "女权", "儿童节", "妇女节", "三八节", "未成年人保护法", "妇女权益保障法",
)


def lexicon_groups() -> dict[str, tuple[str, ...]]:
    """Named groups of terms, one lexicon feature each."""
    groups: dict[str, tuple[str, ...]] = {f"cat:{k}": v for k, v in CATEGORY_TERMS.items()}
    groups |= {f"risk:{k}": v for k, v in RISK_TERMS.items()}
    groups["rumor"] = RUMOR_TERMS
    groups |= {f"sent:{k}": v for k, v in SENTIMENT_TERMS.items()}
    return groups


# How a lexicon feature is shown in explanations (user-facing, Simplified Chinese).
GROUP_LABELS = {
    "cat:domestic_violence": "家庭暴力", "cat:sexual_violence": "性侵害/性骚扰",
    "cat:trafficking_missing": "拐卖/失踪", "cat:child_abuse_neglect": "虐童/监护缺失",
    "cat:school_safety": "校园安全/欺凌", "cat:discrimination_rights": "歧视/权益",
    "cat:marriage_family": "婚恋家庭纠纷", "cat:health_safety": "妇幼健康安全",
    "cat:online_harm": "网络侵害", "risk:grave": "严重情形", "risk:harm": "伤害与处置",
    "risk:benign": "常规活动", "rumor": "传言/辟谣", "sent:negative": "负面情绪",
    "sent:positive": "正面情绪",
}


def all_terms() -> set[str]:
    terms: set[str] = set(SLANG_TERMS) | set(RUMOR_TERMS)
    for group in (CATEGORY_TERMS, RISK_TERMS, SENTIMENT_TERMS):
        for values in group.values():
            terms.update(values)
    return terms


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Hits per term group, log-scaled: log1p(count) for each group.

    Works on normalized (Simplified) text. Regexes are built lazily and not
    pickled, so a saved model stays small and loads in any process.
    """

    def __init__(self) -> None:
        pass

    def fit(self, texts: list[str], y: object = None) -> LexiconFeatures:
        self.groups_ = sorted(lexicon_groups())
        return self

    def _patterns(self) -> list[re.Pattern[str]]:
        pats = getattr(self, "_compiled", None)
        if pats is None:
            groups = lexicon_groups()
            pats = [
                re.compile("|".join(sorted(map(re.escape, groups[name]), key=len, reverse=True)))
                for name in self.groups_
            ]
            self._compiled = pats
        return pats

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        pats = self._patterns()
        out = np.zeros((len(texts), len(pats)), dtype=np.float64)
        for j, pat in enumerate(pats):
            for i, text in enumerate(texts):
                n = len(pat.findall(text))
                if n:
                    out[i, j] = n
        return sp.csr_matrix(np.log1p(out))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(
            [f"[词典]{GROUP_LABELS.get(name, name)}" for name in self.groups_], dtype=object
        )

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_compiled", None)
        return state
