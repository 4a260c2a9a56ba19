"""The built-in definitions' source notes in Chinese.

A built-in definition's ``source.citation`` holds the references (kept as published, often English)
followed by notes written for developers in English. The definitions stay byte-identical (their digest
is stored with every score), so the notes are put into Chinese here: :func:`citation_parts` cuts the
citation where its notes begin and returns the Chinese note a counselor reads instead.
"""

from __future__ import annotations

# id → (the first words of the English notes inside the citation, the note in Chinese)
_NOTES: dict[str, tuple[str, str]] = {
    "asq": ("Chinese wording is",
            "中文措辞由 XA Desk 审慎翻译；未找到官方简体中文版或中文效度研究。"),
    "cesdc": ("Values are printed",
              "每题按 0–3 计分（从“没有”到“很多”）；第4、8、12、16题反向计分（3 − 原值），"
              "网上流传的一份中文版未作反向处理。中文措辞由 XA Desk 审慎翻译。"),
    "dass21": ("The Chinese wording here",
               "中文措辞依据上述简体中文版；无法核实原文措辞之处，依英文原版审慎翻译。"),
    "gad7": ("Item wording follows",
             "题目措辞采用辉瑞官方简体中文版 GAD-7；指导语改为对学生（你）说。选项 0 为“完全不会”。"),
    "k10": ("Scored 1–5",
            "按 1–5 计分（总分 10–50），与 2019 年全国学生调查一致。每题问“大约多少时候你感到……”；"
            "中文措辞由 XA Desk 审慎翻译。"),
    "k6": ("Scored 0–4", "按 0–4 计分（总分 0–24）。中文措辞由 XA Desk 审慎翻译。"),
    "mhk": ("Not a validated instrument",
            "非标准化量表：报告答对陈述的比例（知晓率），学校行动方案要求达到 90%。"
            "选“不知道”（C）计为未答对；空题计为缺失，不算答错。"),
    "mini_ipip": ("Key:",
                  "计分键取自 ipip.ori.org（题序按 外向、宜人、尽责、神经质、智力 循环；"
                  "第6–10、15–20题反向计分）。中文措辞由 XA Desk 审慎翻译，未经效度验证。"),
    "mssmhs": ("Factor key from",
               "因子计分键取自二手资料（10 个因子 × 6 题）；未找到授权说明，故不附题目原文，也不附常模表。"),
    "phq9": ("Item and option wording",
             "题目和选项措辞采用辉瑞官方简体中文版 PHQ-9（phqscreeners.com）；指导语改为对学生（你）说。"
             "第10题不计分。"),
    "rses": ("Reverse-keyed in this order",
             "按此题序，第3、5、8、9、10题反向计分（5 − 原值）。第8题中文为正向表述，但依手册反向计分"
             "（见申自力、蔡太生 2008 对该题的讨论）。措辞依广泛流传的手册版本，请与学校持有的版本核对。"),
    "scared": ("Item 20 is scored",
               "第20题按计分表计入分离焦虑（有一份转录版本误标为惊恐）。中文题目措辞由 XA Desk 审慎翻译，"
               "可能与王凯等所用版本不同。"),
    "scl90": ("Factor key as in",
              "因子计分键依中文手册（汪向东 等 1999）；“其他”因子为第19、44、59、60、64、66、89题"
              "（有的公开计分程序误用了恐怖因子的题目）。PSDI =（总分 − 评1分的题数）/ 阳性项目数。"
              "不附常模表：1986 年成人常模（金华 等）针对成人且无法复核，学校可自行添加。"),
}


def citation_parts(instrument_id: str, citation: str) -> tuple[str, str]:
    """(the references, a Chinese note or ""): the English notes of a built-in citation replaced."""
    marker, note = _NOTES.get(instrument_id, ("", ""))
    if marker and marker in citation:
        return citation[:citation.index(marker)].rstrip(), note
    return citation, ""
