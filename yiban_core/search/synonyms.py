"""The abbreviations students use for their courses (高数 for 高等数学), in one table.

Applied when a document is indexed, in both directions: a text naming a course
in full is also indexed under its abbreviations (and their pinyin, for titles),
and a text using an abbreviation is also indexed under the full name. So 高数
finds 高等数学期末复习资料 and 高等数学 finds "高数挂了怎么办", and queries need
no rewriting on any backend.
"""

from __future__ import annotations

import re
from functools import cache

import rjieba

# full name: the abbreviations in common use
COURSE_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    # mathematics
    "高等数学": ("高数",),
    "线性代数": ("线代",),
    "概率论与数理统计": ("概率论", "概统"),
    "数学分析": ("数分",),
    "高等代数": ("高代",),
    "解析几何": ("解几",),
    "复变函数": ("复变",),
    "实变函数": ("实变",),
    "常微分方程": ("常微",),
    "离散数学": ("离散",),
    # political theory, compulsory everywhere
    "马克思主义基本原理": ("马原",),
    "毛泽东思想和中国特色社会主义理论体系概论": ("毛概",),
    "思想道德与法治": ("思修",),
    "思想道德修养与法律基础": ("思修",),
    "中国近现代史纲要": ("近代史", "史纲"),
    "形势与政策": ("形策",),
    "习近平新时代中国特色社会主义思想概论": ("习概",),
    "军事理论": ("军理",),
    # computing
    "计算机网络": ("计网",),
    "计算机组成原理": ("计组",),
    "计算机导论": ("计导",),
    "软件工程": ("软工",),
    "编译原理": ("编译",),
    # electronics and engineering
    "数字电子技术": ("数电",),
    "模拟电子技术": ("模电",),
    "自动控制原理": ("自控",),
    "通信原理": ("通原",),
    "微机原理": ("微机",),
    "理论力学": ("理力",),
    "材料力学": ("材力",),
    "结构力学": ("结力",),
    "流体力学": ("流力",),
    "机械原理": ("机原",),
    "机械设计": ("机设",),
    # general education
    "大学物理": ("大物",),
    "普通物理": ("普物",),
    "大学英语": ("大英",),
    "大学语文": ("大语",),
    "大学化学": ("大化",),
    "大学英语四级": ("四级",),
    "大学英语六级": ("六级",),
    # chemistry, biology
    "有机化学": ("有机",),
    "无机化学": ("无机",),
    "物理化学": ("物化",),
    "生物化学": ("生化",),
    "分子生物学": ("分生",),
    "细胞生物学": ("细生",),
    # economics
    "微观经济学": ("微经",),
    "宏观经济学": ("宏经",),
    "计量经济学": ("计量",),
}


@cache
def _tables() -> tuple[dict[str, set[str]], re.Pattern]:
    full_names_of: dict[str, set[str]] = {}
    for full, short in COURSE_ABBREVIATIONS.items():
        for abbreviation in short:
            full_names_of.setdefault(abbreviation, set()).add(full)
    longest_first = sorted(COURSE_ABBREVIATIONS, key=len, reverse=True)
    return full_names_of, re.compile("|".join(map(re.escape, longest_first)))


def abbreviations() -> set[str]:
    return set(_tables()[0])


def full_names_in(text: str) -> list[str]:
    """The course names written out in `text`, each once, in order."""
    found = []
    for match in _tables()[1].finditer(text):
        if match.group(0) not in found:
            found.append(match.group(0))
    return found


def abbreviations_in(text: str) -> list[str]:
    """The abbreviations `text` uses as words: 编译 in 编译原理很难, not in 编译器; 大英 in
    大英四级, not in 大英博物馆 (rjieba's precise mode decides, only when one occurs)."""
    candidates = [a for a in abbreviations() if a in text]
    if not candidates:
        return []
    words = set(rjieba.cut(text))
    return sorted(a for a in candidates if a in words)


def abbreviations_of(full_name: str) -> tuple[str, ...]:
    return COURSE_ABBREVIATIONS.get(full_name, ())


def full_names_of(word: str) -> set[str]:
    """The full names an abbreviation stands for (empty for any other word)."""
    return _tables()[0].get(word, set())


def equivalents(word: str) -> set[str]:
    """Every other way of writing `word`: its abbreviations or its full names (for
    highlighting what a query matched)."""
    return set(abbreviations_of(word)) | full_names_of(word)
