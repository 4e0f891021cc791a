"""Make the importer's real-OCR golden pages: typeset, render, read back with Tesseract 5.

Each page below is text written for this test (not the seed's): a headline block (kicker,
headline, standfirst), a moderator line and two to four articles, each set in its own column
width over two or three columns, beside a vertical heading strip (the panelist's name and the
article's title, one character per cell). The page is typeset in HTML with WeasyPrint, rendered
to PNG with pdftoppm and read by Tesseract from Debian (``tesseract-ocr-chi-sim`` and
``-chi-sim-vert``) the way an editor's OCR step does it: the page with ``chi_sim`` and automatic
layout (strips masked out), each strip re-read with ``chi_sim_vert``, and the strip lines put
where the operator pasted them (before, between or after the articles).

Writes ``tests/importer/golden/ocr/NAME.ocr.txt`` (the OCR output, the importer's input) and
``NAME.truth.json`` (what was typeset). The PNGs are not kept. Run from the repository root:

    python tools/ocr_pages.py [--keep-png DIR]

Needs weasyprint, pdftoppm (poppler-utils) and tesseract with chi_sim and chi_sim_vert.
"""

from __future__ import annotations

import argparse
import html
import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "importer" / "golden" / "ocr"


@dataclass
class Article:
    name: str
    title: str
    width: int
    """Column width in ems."""
    paragraphs: list[str]


@dataclass
class Sheet:
    kicker: str
    headline: str
    lede: list[str]
    moderator: str
    articles: list[Article]
    columns: int
    strips: str
    """Where the re-read strips go in the OCR text: 'first', 'last' or 'between'."""
    page_width: int = 420
    """In mm: wide enough for every article side by side in one row (in two rows, Tesseract's
    layout analysis interleaves the rows' columns)."""


PAGES = {
    "county-market": Sheet(
        kicker="县域消费新图景",
        headline="小县城如何撑起大市场？",
        lede=[
            "县城连着城市，也连着乡村。近年来，冷链、快递和直播电商一路延伸到镇街村口，"
            "县域消费的规模和结构都在悄悄改变。本期圆桌邀请三位长期跑基层的研究者，"
            "谈谈县域商业怎样补短板、聚人气、稳就业。",
        ],
        moderator="林晓岚",
        columns=2,
        strips="last",
        articles=[
            Article(
                "郑文涛",
                "冷链物流打通农产品上行通道",
                16,
                [
                    "农产品卖不出好价钱，很多时候不是品质不行，而是路上损耗太大。一箱荔枝从"
                    "果园到省城，如果没有预冷和冷藏车，第二天就变了颜色。冷链物流打通农产品"
                    "上行通道，首先要把预冷库建到田间地头。",
                    "过去几年，不少县里建起了产地仓，但利用率参差不齐。有的仓库只在收获季忙"
                    "两个月，其余时间空着；有的离主产区太远，农户宁愿自己拉去批发市场。"
                    "建仓之前先算清楚货源、季节和线路，比追求规模更要紧。",
                    "更重要的是把分散的小农户组织起来。合作社统一分级、统一包装、统一发车，"
                    "一辆冷藏车才能装满，运费才能降下来。只有每一公斤的成本都算得过账，"
                    "冷链才能长期运转下去。",
                ],
            ),
            Article(
                "罗佳慧",
                "让县城商业回归街巷烟火",
                14,
                [
                    "走进许多县城，新建的商业综合体外观气派，里面却冷冷清清；老街上的"
                    "早餐铺、裁缝店和五金店倒是人来人往。县城商业的活力，往往藏在街巷烟火里。",
                    "让县城商业回归街巷烟火，不是简单地翻新门面。要给小店留出租得起的铺位，"
                    "给摊贩划出管得住的时段，给老人和孩子留出走得动的步道。这些细节决定了"
                    "一条街能不能留住人。",
                    "规划部门还应该多听商户的声音：停车难不难？晚上几点收摊？雨天有没有"
                    "地方避雨？把这些问题一条条解决，县城的夜市和集市自然会热闹起来。",
                ],
            ),
            Article(
                "欧阳明远",
                "数字平台要扎根本地服务",
                18,
                [
                    "直播带货让一些县城的特产一夜成名，但热度来得快，去得也快。数字平台要"
                    "扎根本地服务，不能只盯着流量，更要帮助本地商家练好内功。",
                    "一方面，平台可以把订单数据开放给县里的生产企业，让他们知道哪种规格好卖、"
                    "哪个季节缺货，按需生产，少走弯路；另一方面，平台应当培训本地的客服、"
                    "摄影和运营人员，把就业岗位留在县里。",
                    "县域市场不大，但胜在熟人社会、口碑传播快。谁能把售后服务做扎实，"
                    "谁就能在这里站稳脚跟。",
                ],
            ),
        ],
    ),
    "sea-economy": Sheet(
        kicker="向海图强",
        headline="蓝色经济的下一程在哪里？",
        lede=[
            "海洋是高质量发展的战略要地。从远洋渔业到海上风电，从港口航运到滨海旅游，"
            "沿海城市正在寻找新的增长点。",
            "本期邀请四位学者，围绕海洋产业、港口转型、生态保护和人才培养各抒己见。",
        ],
        moderator="周海宁",
        columns=2,
        strips="first",
        page_width=600,
        articles=[
            Article(
                "谢振华",
                "海上风电带动装备制造升级",
                15,
                [
                    "近海风电场一座接一座地建起来，带动的不只是发电量。塔筒、叶片、海缆和"
                    "安装船，每一样都是装备制造的硬功夫。海上风电带动装备制造升级，关键在于"
                    "把订单转化为本地的技术积累。",
                    "一是鼓励整机企业和本地配套企业联合攻关，让零部件在家门口配齐；二是"
                    "建设公共试验平台，降低中小企业的检测成本；三是培育运维队伍，风机装好"
                    "以后还要维护二十多年。",
                ],
            ),
            Article(
                "黄诗琪",
                "港口转型要从装卸走向服务",
                17,
                [
                    "港口吞吐量连年增长，但单纯比拼装卸能力的时代已经过去。港口转型要从"
                    "装卸走向服务，在航运金融、船舶管理和供应链服务上多下功夫。",
                    "货主最关心的是什么？是货物何时到港、通关要多久、费用有多少。把这些信息"
                    "放在一个平台上查得到、算得清，港口的竞争力就不只是码头的长度。",
                ],
            ),
            Article(
                "司马晓东",
                "守护近岸海域的生态底线",
                13,
                [
                    "发展海洋经济，不能以牺牲海岸线为代价。红树林、珊瑚礁和滩涂湿地是"
                    "海洋生物的家园，也是抵御风暴潮的天然屏障。",
                    "守护近岸海域的生态底线，要把养殖尾水治理、入海排污口整治和岸线修复"
                    "放在同等重要的位置；对已经破坏的岸段，要一段一段地算账、一段一段地修复。",
                ],
            ),
            Article(
                "韩雪梅",
                "培养懂海爱海的专业人才",
                16,
                [
                    "海洋产业的竞争，归根到底是人才的竞争。轮机、海洋工程、海洋生物等专业"
                    "招生不难，难的是毕业生愿意留在一线。",
                    "培养懂海爱海的专业人才，高校要和企业共建实训基地，让学生在船上、在港口"
                    "学本领；地方政府要在住房、子女入学等方面拿出实招，让年轻人愿意扎根海边。",
                ],
            ),
        ],
    ),
}

CSS = """
@page { size: 420mm 297mm; margin: 10mm; }
body { font-family: 'Noto Serif CJK SC'; font-size: 10.5pt; line-height: 1.6; margin: 0; }
.kicker { font-size: 14pt; text-align: left; margin: 0 0 2mm 0; }
.headline { font-family: 'Noto Sans CJK SC'; font-size: 26pt; font-weight: bold;
  margin: 0 0 4mm 0; }
.lede { font-family: 'Noto Sans CJK SC'; font-size: 11pt; width: 42em; margin-bottom: 4mm; }
.lede p, .body p { text-indent: 2em; margin: 0; text-align: justify; }
.moderator { font-size: 11pt; margin: 2mm 0 5mm 0; }
.articles { display: flex; flex-wrap: wrap; align-items: flex-start; }
.article { display: flex; margin: 0 6mm 6mm 0; align-items: flex-start; }
.strip { font-family: 'Noto Sans CJK SC'; font-weight: bold; font-size: 13pt; width: 1.1em;
  line-height: 1.25; margin-right: 5mm; text-align: center; word-break: break-all; }
.strip .gap { height: 1em; }
.hidden .strip { visibility: hidden; }
.body { column-gap: 6mm; column-fill: balance; }
"""


def _html(sheet: Sheet, strips_only: int | None = None, mask_strips: bool = False) -> str:
    """The page, or (strips_only=n) only article n's strip on a page of its own."""

    def strip(art: Article) -> str:
        name = "".join(f"<div>{html.escape(c)}</div>" for c in art.name)
        title = "".join(f"<div>{html.escape(c)}</div>" for c in art.title)
        return f'<div class="strip">{name}<div class="gap"></div>{title}</div>'

    if strips_only is not None:
        alone = strip(sheet.articles[strips_only])
        return f"<html><head><style>{CSS}</style></head><body>{alone}</body></html>"
    parts = [
        f'<div class="kicker">{html.escape(sheet.kicker)}</div>',
        f'<div class="headline">{html.escape(sheet.headline)}</div>',
        '<div class="lede">' + "".join(f"<p>{html.escape(p)}</p>" for p in sheet.lede) + "</div>",
        f'<div class="moderator">主持人：{html.escape(sheet.moderator)}</div>',
    ]
    parts.append('<div class="articles">')
    for art in sheet.articles:
        cols = sheet.columns
        body = "".join(f"<p>{html.escape(p)}</p>" for p in art.paragraphs)
        style = f"column-count: {cols}; width: {cols * art.width}em"
        parts.append(
            f'<div class="article">{strip(art)}<div class="body" style="{style}">{body}</div></div>'
        )
    parts.append("</div>")
    cls = "hidden" if mask_strips else ""
    size = f"@page {{ size: {sheet.page_width}mm 297mm; }}"
    head = f"<head><style>{CSS}{size}</style></head>"
    return f'<html>{head}<body class="{cls}">{"".join(parts)}</body></html>'


def _render(markup: str, png: Path) -> None:
    from weasyprint import HTML

    pdf = png.with_suffix(".pdf")
    document = HTML(string=markup).render()
    if len(document.pages) != 1:
        raise SystemExit(f"{png.stem}: the page runs to {len(document.pages)} pages; shorten it")
    document.write_pdf(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "300",
            "-png",
            "-singlefile",
            "-gray",
            str(pdf),
            str(png.with_suffix("")),
        ],
        check=True,
    )


def _ocr(png: Path, lang: str, psm: int) -> str:
    result = subprocess.run(
        ["tesseract", str(png), "-", "-l", lang, "--psm", str(psm)],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def make(name: str, sheet: Sheet, work: Path) -> str:
    page_png = work / f"{name}.png"
    _render(_html(sheet, mask_strips=True), page_png)
    page_text = _ocr(page_png, "chi_sim", 3).rstrip("\n\f ")
    strips = []
    for n in range(len(sheet.articles)):
        png = work / f"{name}-strip{n}.png"
        _render(_html(sheet, strips_only=n), png)
        strips.append(" ".join(_ocr(png, "chi_sim_vert", 5).split()))
    if sheet.strips == "first":
        text = "\n\n".join(strips) + "\n\n" + page_text
    elif sheet.strips == "last":
        text = page_text + "\n\n" + "\n\n".join(strips)
    else:
        text = page_text + "\n\n" + "\n".join(strips)
    return text + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-png", type=Path, help="keep the rendered pages here")
    parser.add_argument("pages", nargs="*", default=sorted(PAGES))
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep_png or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for name in args.pages:
            sheet = PAGES[name]
            text = make(name, sheet, work)
            (OUT / f"{name}.ocr.txt").write_text(text, encoding="utf-8")
            truth = {
                "title": sheet.headline,
                "kicker": sheet.kicker,
                "moderator": sheet.moderator,
                "lede": sheet.lede,
                "chapters": [asdict(a) for a in sheet.articles],
            }
            (OUT / f"{name}.truth.json").write_text(
                json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            print(f"{name}: {len(text)} characters of OCR output", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
