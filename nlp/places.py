"""Place names: the 16 districts of Tianjin first, then province-level names."""

from __future__ import annotations

import re

TIANJIN_DISTRICTS = (
    "和平区", "河东区", "河西区", "南开区", "河北区", "红桥区", "东丽区", "西青区",
    "津南区", "北辰区", "武清区", "宝坻区", "滨海新区", "宁河区", "静海区", "蓟州区",
)

# Short and old names that point at one district without doubt. 和平 (peace),
# 河东/河西 (common words and districts elsewhere), 河北 (the province) and 北辰
# (a word) count only with 区/街/镇 after them, which the full names above cover.
_ALIASES = {
    "南开": "南开区", "红桥": "红桥区", "东丽": "东丽区", "西青": "西青区", "津南": "津南区",
    "武清": "武清区", "宝坻": "宝坻区", "滨海新区": "滨海新区", "滨海": "滨海新区",
    "塘沽": "滨海新区", "汉沽": "滨海新区", "大港": "滨海新区",
    "宁河": "宁河区", "静海": "静海区", "蓟州": "蓟州区", "蓟县": "蓟州区",
}

# Right after 天津 even the ambiguous short forms are clear: 天津北辰, 天津市和平.
for _short in ("和平", "河东", "河西", "河北", "北辰", "南开"):
    _ALIASES[f"天津{_short}"] = _ALIASES[f"天津市{_short}"] = f"{_short}区"

PROVINCES = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
    "河北": "河北省", "山西": "山西省", "辽宁": "辽宁省", "吉林": "吉林省",
    "黑龙江": "黑龙江省", "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省",
    "福建": "福建省", "江西": "江西省", "山东": "山东省", "河南": "河南省",
    "湖北": "湖北省", "湖南": "湖南省", "广东": "广东省", "海南": "海南省",
    "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省", "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区", "西藏": "西藏自治区", "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区",
}

_DISTRICT_NAMES = {name: name for name in TIANJIN_DISTRICTS} | _ALIASES
# Longest first so 滨海新区 wins over 滨海 and 河北区 over 河北.
_DISTRICT_RE = re.compile("|".join(sorted(map(re.escape, _DISTRICT_NAMES), key=len, reverse=True)))
_PROVINCE_RE = re.compile("|".join(sorted(map(re.escape, PROVINCES), key=len, reverse=True)))


def find_district(text: str | None) -> str | None:
    """The first Tianjin district named in the text, else the first province, else None.

    Expects Simplified text (run `to_simplified` first for Traditional input).
    """
    if not text:
        return None
    m = _DISTRICT_RE.search(text)
    if m:
        return _DISTRICT_NAMES[m.group(0)]
    m = _PROVINCE_RE.search(text)
    return PROVINCES[m.group(0)] if m else None
