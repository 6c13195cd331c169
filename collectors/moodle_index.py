"""Reading a Moodle site's public course index (``course/index.php``) as guests see it.

The markup read is Moodle 4.x's (``core_course_renderer``, also 3.x's): category boxes
``div.category[data-categoryid]`` with their name in ``.categoryname``, nested in the combo
list; course boxes ``div.coursebox`` with their link in ``.coursename a``
(``course/view.php?id=N``) and their summary in ``.summary``; the category menu, a
``select`` whose options lead to ``course/index.php?categoryid=N`` and are labelled with the
category's path ("Parent / Child"); the paging bar (``.pagination``, ``.paging``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector, SelectorList

from collectors.speech import _

__all__ = [
    "Category",
    "Course",
    "IndexPage",
    "category_id",
    "course_id",
    "is_login_page",
    "read_index_page",
]

#: Moodle's separator in category paths ("Parcours / Cycle 1").
PATH_SEPARATOR = " / "
_BLOCKS = frozenset(
    {"address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4",
     "h5", "h6", "li", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"}
)  # fmt: skip
_BOX = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"


@dataclass(frozen=True)
class Category:
    """A course category: its id, its name and its parent's id (None: top level or unknown)."""

    category_id: int
    name: str
    parent_id: int | None


@dataclass(frozen=True)
class Course:
    """A course as the index lists it."""

    course_id: int
    name: str
    summary: str  # the summary's text, spaces collapsed ("" when the index shows none)
    category_id: int | None  # the category it is listed in, when known


@dataclass
class IndexPage:
    """What one page of the course index shows, and the index pages it leads to."""

    categories: list[Category] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # absolute URLs of index pages to read
    problems: list[str] = field(default_factory=list)  # boxes that could not be read


def read_index_page(html: str, url: str, root: str) -> IndexPage:
    """Read one page of a Moodle course index.

    Parameters
    ----------
    html : str
        The page.
    url : str
        Its URL (its ``categoryid``, if any, is the category whose page it is).
    root : str
        The site's root URL, ending in ``/`` (``https://www.e-inspe.fr/``).

    Returns
    -------
    IndexPage
        Categories, courses, further pages (each category's page and the paging bar's
        pages) and one sentence per box that could not be read.

    Examples
    --------
    >>> page = read_index_page(
    ...     '<div class="category" data-categoryid="3"><div class="info">'
    ...     '<h3 class="categoryname"><a href="#">Parcours</a></h3></div>'
    ...     '<div class="coursebox"><h3 class="coursename">'
    ...     '<a href="https://m.example/course/view.php?id=12">Oral</a></h3>'
    ...     '<div class="summary"><p>Enseigner  l\\'oral</p></div></div></div>',
    ...     "https://m.example/course/index.php", "https://m.example/")
    >>> page.categories
    [Category(category_id=3, name='Parcours', parent_id=None)]
    >>> page.courses
    [Course(course_id=12, name='Oral', summary="Enseigner l'oral", category_id=3)]
    >>> page.pages
    ['https://m.example/course/index.php?categoryid=3']
    """
    page = Selector(text=html)
    own = category_id(url)
    found = IndexPage()
    for box in page.xpath(f"//div[{_BOX.format('category')}][@data-categoryid]"):
        number = _integer(box.attrib["data-categoryid"])
        if number is None:
            found.problems.append(
                _("a category box has no number ({value})").format(
                    value=repr(box.attrib["data-categoryid"])
                )
            )
            continue
        name = _text(box.xpath(f".//*[{_BOX.format('categoryname')}]")[:1])
        found.categories.append(Category(number, name, _enclosing_category(box, own)))
    found.categories += _menu_categories(page, root)
    for box in page.xpath(f"//div[{_BOX.format('coursebox')}]"):
        course = _course(box, url, own)
        if isinstance(course, str):
            found.problems.append(course)
        else:
            found.courses.append(course)
    seen = {url}
    for category in found.categories:
        _add(found.pages, seen, f"{root}course/index.php?categoryid={category.category_id}")
    paging = f"//*[{_BOX.format('pagination')} or {_BOX.format('paging')}]//a/@href"
    for href in page.xpath(paging).getall():
        target = urljoin(url, href.strip()).split("#", 1)[0]
        if _is_index(target, root) and category_id(target) == own:
            _add(found.pages, seen, target)
    return found


def is_login_page(url: str, html: str) -> bool:
    """Whether a page is Moodle's login page (where a guest is sent when refused).

    >>> is_login_page("https://m.example/login/index.php", "")
    True
    >>> is_login_page("https://m.example/course/index.php", '<body id="page-course-index">')
    False
    """
    if urlsplit(url).path.endswith("/login/index.php"):
        return True
    return bool(Selector(text=html or "<html/>").xpath("//body[@id='page-login-index']"))


def course_id(href: str) -> int | None:
    """The course id of a ``course/view.php?id=N`` link, else None.

    >>> course_id("https://m.example/course/view.php?id=101&section=2")
    101
    >>> course_id("https://m.example/mod/forum/view.php?id=4") is None
    True
    """
    parts = urlsplit(href)
    if not parts.path.endswith("/course/view.php"):
        return None
    return _integer((parse_qs(parts.query).get("id") or [""])[0])


def category_id(url: str) -> int | None:
    """The ``categoryid`` of an index URL, else None."""
    return _integer((parse_qs(urlsplit(url).query).get("categoryid") or [""])[0])


def _course(box: Selector, url: str, own: int | None) -> Course | str:
    """A course box as a :class:`Course`, or the sentence saying why it cannot be read."""
    link = box.xpath(f".//*[{_BOX.format('coursename')}]//a[@href]")[:1]
    href = urljoin(url, link.attrib["href"].strip()) if link else ""
    number = course_id(href) if href else None
    if number is None:
        number = _integer(box.attrib.get("data-courseid", ""))
    if number is None:
        if not href:
            return _("a course box has no course/view.php?id= link (no link)")
        return _("a course box has no course/view.php?id= link ({href})").format(href=href)
    category = _enclosing_category(box, None)
    if category is None:
        listed = box.xpath(f".//*[{_BOX.format('coursecat')}]//a/@href").get()
        category = (category_id(urljoin(url, listed)) if listed else None) or own
    summary = _text(box.xpath(f".//*[{_BOX.format('summary')}]")[:1])
    return Course(number, _text(link), summary, category)


def _menu_categories(page: Selector, root: str) -> list[Category]:
    """The categories of the category menu, with their parents read from their paths."""
    options = []
    for option in page.xpath("//select/option"):
        value = option.attrib.get("value", "")
        select = option.xpath("ancestor::select[1]/@name").get()
        number = _integer(value) if select == "categoryid" else None
        if number is None and "course/index.php" in value:
            number = category_id(urljoin(root, value.lstrip("/")))
        if number is not None:
            options.append((number, [p.strip() for p in _text(option).split(PATH_SEPARATOR)]))
    by_path = {tuple(path): number for number, path in options}
    return [
        Category(number, path[-1], by_path.get(tuple(path[:-1])) if len(path) > 1 else None)
        for number, path in options
    ]


def _enclosing_category(box: Selector, own: int | None) -> int | None:
    """The category box a box sits in, else the category whose page this is."""
    enclosing = box.xpath(f"ancestor::div[{_BOX.format('category')}][@data-categoryid][1]")
    if enclosing:
        return _integer(enclosing.attrib["data-categoryid"])
    return own


def _is_index(url: str, root: str) -> bool:
    return url.startswith(root) and urlsplit(url).path.endswith("/course/index.php")


def _add(pages: list[str], seen: set[str], url: str) -> None:
    if url not in seen:
        seen.add(url)
        pages.append(url)


def _text(nodes: Selector | SelectorList) -> str:
    """The text of the first node, spaces collapsed, blocks (paragraphs, lines) apart."""
    if isinstance(nodes, SelectorList):
        if not nodes:
            return ""
        nodes = nodes[0]
    parts: list[str] = []
    _collect(nodes.root, parts)
    return " ".join("".join(parts).split())


def _collect(element, parts: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in ("script", "style"):
        return
    block = tag in _BLOCKS
    parts.append(" " if block else "")
    if tag and element.text:
        parts.append(element.text)
    for child in element:
        _collect(child, parts)
        if child.tail:
            parts.append(child.tail)
    parts.append(" " if block else "")


def _integer(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None
