"""Files for other tools: GEXF 1.3 (Gephi), GraphML, node-link JSON, and their sidecars.

Every exported file gets a ``<file>.meta.json`` sidecar saying what produced it (essaim
version, analysis parameters, source runs and their hashes, the file's own hash, the date) with
a short methods paragraph in French and English.

Whatever the data hold, the files stay readable and in their folder: text XML 1.0 cannot hold
becomes U+FFFD, file names come from :func:`file_stem`, and CSV text that a spreadsheet would
run as a formula can be neutralised (:func:`formula_safe_frame`).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import numbers
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from collectors import __version__

__all__ = ["FORMULA_STARTS", "GEXF_NAMESPACE", "file_stem", "formula_safe", "formula_safe_frame",
           "methods_text", "sidecar_bytes", "write_file", "write_gexf", "write_graphml",
           "write_json", "write_sidecar", "xml_safe"]  # fmt: skip

#: The namespace of GEXF 1.3 documents.
GEXF_NAMESPACE = "http://gexf.net/1.3"
#: How a text cell starts when a spreadsheet would read it as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TIME_KEY = "start"  # node attribute holding the time a node appears (dynamic graphs)
# characters outside XML 1.0's Char production: controls, lone surrogates, U+FFFE and U+FFFF
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_STEM = re.compile("[a-z0-9_-]{1,60}")  # lower case: one file on case-insensitive disks too


def xml_safe(text: str) -> str:
    r"""``text`` with each character XML 1.0 cannot hold replaced by U+FFFD.

    >>> xml_safe("Ana\x07 B\ud800\uffff, née Sá 😀") == "Ana\ufffd B\ufffd\ufffd, née Sá 😀"
    True
    """
    return _NOT_XML.sub("\ufffd", text)


def file_stem(identifier: str) -> str:
    """A file name (without extension) for ``identifier``, safe on any disk and its own.

    An identifier of at most 60 lower-case letters, digits, ``_`` and ``-`` is its own stem.
    Any other is reduced to those characters and followed by a dot and a hash of the whole
    identifier: no stem holds a ``/`` or starts with a dot, and two identifiers never share one
    (the first kind has no dot; the second differs by the hash).

    >>> file_stem("einspe-oral"), file_stem("a.b"), file_stem("a.c"), file_stem("../x")
    ('einspe-oral', 'a_b.2e7336dc8e', 'a_c.ad4573f052', '_x.d6b96a97d1')
    """
    if _STEM.fullmatch(identifier):
        return identifier
    slug = re.sub("[^a-z0-9_-]+", "_", identifier.lower())[:60]
    digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{slug or '_'}.{digest[:10]}"


def formula_safe(value):
    """``value``, with a ``'`` in front if it is text a spreadsheet would run as a formula.

    Only text changes: numbers, negative ones too, are returned as they are.

    >>> formula_safe("=1+1"), formula_safe("-3"), formula_safe(-3), formula_safe("a=b")
    ("'=1+1", "'-3", -3, 'a=b')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells went through :func:`formula_safe`.

    >>> frame = pd.DataFrame({"name": ["@ana", "bob"], "change": [-2, 3]})
    >>> formula_safe_frame(frame).to_dict(orient="list")
    {'name': ["'@ana", 'bob'], 'change': [-2, 3]}
    """
    safe = frame.copy()
    for column in frame.select_dtypes(include=["object", "string"]).columns:
        safe[column] = frame[column].map(formula_safe)
    return safe


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path``; an error names ``path`` (a failed write alone would not).

    >>> write_file(Path("/nonexistent/folder/f.txt"), b"")
    Traceback (most recent call last):
    FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/folder/f.txt'
    """
    try:
        path.write_bytes(content)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from error


def write_gexf(graph: nx.Graph, path: Path, description: str = "") -> None:
    """Write a graph as GEXF 1.3, with typed node and edge attributes.

    Node data ``label`` becomes the node label; ``start`` (a datetime), on nodes and edges,
    makes the graph dynamic with ``timeformat="dateTime"`` (the node or edge appears at that
    time: adoption times for cascades). Other data become attributes typed ``boolean``,
    ``long``, ``double`` or ``string``; missing values (None, NaN) are left out. An edge's
    ``weight`` is the GEXF edge weight.

    Examples
    --------
    >>> import tempfile
    >>> graph = nx.DiGraph()
    >>> graph.add_node("a", label="Ana", community=0, pagerank=0.6, bridge=True)
    >>> graph.add_node("b", label="Bob", community=1, pagerank=0.4, bridge=False)
    >>> graph.add_edge("a", "b", weight=3, kind="repost")
    >>> path = Path(tempfile.mkdtemp()) / "g.gexf"
    >>> write_gexf(graph, path)
    >>> back = nx.read_gexf(path, version="1.3")
    >>> back.nodes["a"]["community"], back.nodes["b"]["bridge"], back.edges["a", "b"]["weight"]
    (0, False, 3.0)
    """
    dynamic = any(_present(data.get(_TIME_KEY)) for _, data in graph.nodes(data=True))
    root = ET.Element("gexf", {"xmlns": GEXF_NAMESPACE, "version": "1.3"})
    meta = ET.SubElement(root, "meta", {"lastmodifieddate": date.today().isoformat()})
    ET.SubElement(meta, "creator").text = f"essaim {__version__}"
    if description:
        ET.SubElement(meta, "description").text = xml_safe(description)
    options = {"defaultedgetype": "directed" if graph.is_directed() else "undirected"}
    if dynamic:  # Gephi reads it; networkx cannot (read the GraphML there)
        options.update(mode="dynamic", timeformat="dateTime")
    else:
        options["mode"] = "static"
    element = ET.SubElement(root, "graph", options)
    node_data = [data for _, data in graph.nodes(data=True)]
    edge_data = [data for _, _, data in graph.edges(data=True)]
    node_keys = _declare(element, "node", node_data, skip={"label", _TIME_KEY})
    edge_keys = _declare(element, "edge", edge_data, skip={"weight", _TIME_KEY})
    nodes = ET.SubElement(element, "nodes", {"count": str(graph.number_of_nodes())})
    for node, data in graph.nodes(data=True):
        item = ET.SubElement(
            nodes, "node", {"id": _xml(node), "label": _xml(data.get("label", node))}
        )
        if _present(data.get(_TIME_KEY)):
            item.set("start", _time(data[_TIME_KEY]))
        _values(item, data, node_keys)
    edges = ET.SubElement(element, "edges", {"count": str(graph.number_of_edges())})
    for number, (source, target, data) in enumerate(graph.edges(data=True)):
        item = ET.SubElement(edges, "edge", {"id": str(number), "source": _xml(source),
                                             "target": _xml(target)})  # fmt: skip
        if _present(data.get("weight")):
            item.set("weight", repr(float(data["weight"])))
        if dynamic and _present(data.get(_TIME_KEY)):
            item.set("start", _time(data[_TIME_KEY]))
        _values(item, data, edge_keys)
    ET.indent(root)
    write_file(path, ET.tostring(root, encoding="utf-8", xml_declaration=True))


def write_graphml(graph: nx.Graph, path: Path) -> None:
    """Write a graph as GraphML (missing values left out, times as ISO strings, text XML-safe,
    booleans as XML Schema writes them).

    >>> import tempfile
    >>> graph = nx.DiGraph([("a", "b")])
    >>> graph.nodes["a"].update(start=datetime(2026, 9, 1, tzinfo=UTC), bridge=True)
    >>> path = Path(tempfile.mkdtemp()) / "g.graphml"
    >>> write_graphml(graph, path)
    >>> nx.read_graphml(path).nodes["a"]
    {'start': '2026-09-01T00:00:00+00:00', 'bridge': True}
    >>> '<data key="d1">true</data>' in path.read_text()
    True
    """
    content = io.BytesIO()
    nx.write_graphml(_plain_graph(graph), content)
    text = content.getvalue().decode("utf-8")
    booleans = re.findall(
        r'<key id="([^"]+)" for="[a-z]+" attr\.name="[^"]*" attr\.type="boolean"', text
    )
    for key in booleans:  # networkx writes Python's True and False
        for value in ("True", "False"):
            text = text.replace(f'<data key="{key}">{value}</data>',
                                f'<data key="{key}">{value.lower()}</data>')  # fmt: skip
    write_file(path, text.encode("utf-8"))


def write_json(graph: nx.Graph, path: Path) -> None:
    """Write a graph as node-link JSON (what the app and d3-style viewers read), with the
    same node ids and text as the GraphML."""
    data = nx.node_link_data(_plain_graph(graph), edges="edges")
    write_file(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def write_sidecar(path: Path, provenance: dict[str, Any], about: dict[str, Any]) -> Path:
    """Write ``<path>.meta.json``: provenance shared by an export, plus this file's facts.

    ``provenance`` holds what every file of an export shares (version, analysis, source runs,
    methods); ``about`` what is specific to this file (what it holds, rows…). The file's
    SHA-256 and the date are added.
    """
    sidecar = path.with_name(path.name + ".meta.json")
    write_file(sidecar, sidecar_bytes(path.name, path.read_bytes(), provenance, about))
    return sidecar


def sidecar_bytes(
    name: str, content: bytes, provenance: dict[str, Any], about: dict[str, Any]
) -> bytes:
    """The ``.meta.json`` sidecar of a file called ``name`` holding ``content``.

    >>> meta = json.loads(sidecar_bytes("t.csv", b"a\\n1\\n", {"essaim_version": "0"}, {"rows": 1}))
    >>> meta["file"], meta["rows"], meta["sha256"][:12]
    ('t.csv', 1, '309b0e45a73d')
    """
    sidecar = {
        "file": name,
        "sha256": hashlib.sha256(content).hexdigest(),
        "created_at": datetime.now(UTC).isoformat(),
        **about,
        **provenance,
    }
    return json.dumps(sidecar, ensure_ascii=False, indent=2, default=str).encode("utf-8")


#: How Rogers' adopter categories were drawn, by ``categories_rule``.
_CATEGORIES_EN = {
    "shares": "Rogers' adopter categories (Rogers 2003) are the first 2.5 %, the next 13.5 %, "
    "34 %, 34 % and the last 16 % of each resource's adopters in order of adoption (mid-rank "
    "shares, adopters at the same time in the same category).",
    "sigma": "Rogers' adopter categories (Rogers 2003) cut each resource's adoption times at "
    "the mean minus two and one standard deviations, the mean, and the mean plus one.",
}
_CATEGORIES_FR = {
    "shares": "Les catégories d'adoptants de Rogers (Rogers 2003) sont les premiers 2,5 %, "
    "les 13,5 % suivants, 34 %, 34 % et les derniers 16 % des adoptants de chaque ressource "
    "dans l'ordre d'adoption (rangs moyens, les adoptants simultanés dans la même catégorie).",
    "sigma": "Les catégories d'adoptants de Rogers (Rogers 2003) découpent les dates "
    "d'adoption de chaque ressource à la moyenne moins deux et un écarts-types, à la moyenne "
    "et à la moyenne plus un écart-type.",
}


def methods_text(
    parameters: dict[str, Any], modularity: float | None = None, stability: float | None = None
) -> dict[str, str]:
    """The methods paragraph, in French and English, with the analysis' parameters.

    ``stability``: the mean NMI across the ``parameters["stability"]`` seeds, when measured.

    >>> text = methods_text({"rule": "first", "seed": 3, "resolution": 1.0, "stability": 5},
    ...                     stability=0.9)
    >>> "'first'" in text["en"] and "graine 3" in text["fr"] and "200 trees" in text["en"]
    True
    >>> "of 5 seeds, Danon et al. 2005) 0.900" in text["en"] and "2005) 0,900" in text["fr"]
    True
    >>> "per 100 collected adoptions" in text["en"] and "pour 100 adoptions" in text["fr"]
    True
    """
    rule, draws = parameters.get("rule", "kernel"), parameters.get("draws", 200)
    seed, resolution = parameters.get("seed", 0), parameters.get("resolution", 1.0)
    restarts = parameters.get("restarts", 1)
    categories = parameters.get("categories_rule", "sigma")  # analyses before it: σ
    found = "" if modularity is None or math.isnan(modularity) else f"{modularity:.3f}"
    seeds = parameters.get("stability", 0)
    stable = "" if stability is None or math.isnan(stability) else f"{stability:.3f}"
    min_size = parameters.get("min_community_size", 1)
    share = f"{100 * parameters.get('bridge_share', 0.02):g}"
    scale, cost = parameters.get("takeoff_multiple", 3.0), parameters.get("takeoff_cost", 1.0)
    fewest = parameters.get("takeoff_min_adoptions", 5)
    before, after = parameters.get("before_days", 14), parameters.get("after_days", 7)
    fewest_ratio = parameters.get("campaign_min_adoptions", 5)
    stability_en = stability_fr = ""
    if stable:
        stability_en = (f", stability (mean normalised mutual information between the "
                        f"partitions of {seeds} seeds, Danon et al. 2005) {stable}")  # fmt: skip
        stability_fr = (f", stabilité (information mutuelle normalisée moyenne entre les "
                        f"partitions de {seeds} graines, Danon et al. 2005) "
                        f"{stable.replace('.', ',')}")  # fmt: skip
    english = (
        "Traces were collected from public platform APIs and pages, stored as received, and "
        "linked to catalogue resources by normalised URL. Accounts are pseudonymised with a "
        "keyed hash, except institutional accounts on the allow-list. Each post linking a "
        "resource, and each reshare, quote or reply of such a post, is an adoption; a cascade "
        "is the tree of adoptions starting at one original post. A parent was taken as stated "
        "only where the platform states the path (replies and quotes that no followed account "
        "reshared before, Telegram forwards, Bluesky reposts carrying 'via'); otherwise the "
        "candidates were the author of the post acted on and the followed accounts that "
        f"reposted it before, and the rule '{rule}' chose among them ('kernel': the most "
        "probable under a log-normal delay kernel with a rate per kind of tie, fitted by "
        "maximum likelihood per platform, after NetRate, Gomez-Rodriguez et al. 2011). "
        "Adopters whose candidates could not be ordered in time, or who followed none, were "
        "attached to the post's author; each edge records how it was obtained and its "
        "posterior probability. Cascade size, depth, maximum breadth, structural virality "
        "(mean pairwise distance, Goel et al. 2016) and the hours from the original post to "
        "the first adopter at each depth (Vosoughi et al. 2018) were computed on these trees, "
        "as were the adopters who came through each account; each has a mean and a 90 % "
        f"interval over {draws} trees drawn from the candidates' probabilities (the hours to "
        "a depth over the drawn trees reaching it with an adopter of known time, with the "
        "share of trees reaching it). Potential reach sums the sharers' follower counts; "
        "unique audience is the union of their observed followers, its coverage the share "
        "of the declared followers collected, over the sharers whose count is known. An "
        "account's exposure to a resource is the share of its collected followees who "
        "adopted it before it did (or at all, if it did not; Valente 1995), listed for every "
        "account whose followees were collected, zero included. Communities of the "
        "sociability graph (follows, reposts, quotes, replies; weighted) were found with "
        f"Leiden (Traag et al. 2019), modularity objective, resolution {resolution}, seed "
        f"{seed}, best of {restarts} run(s)"
        + (f", modularity {found}" if found else "")
        + stability_en
        + f". A community has at least {min_size} accounts; the accounts of smaller groups "
        "count as one set of 'small groups' in every table. Each community is labelled by the "
        "terms most distinctive of it against all other accounts (the contexts its accounts "
        "post in, the resources they adopted, the allow-listed institutions they are tied "
        "to, each counted once per account), by weighted log-odds with an informative "
        "Dirichlet prior (Monroe, Colaresi and Quinn 2008), z above 1.96; no individual's "
        "account names a community. An account's participation coefficient (Guimerà and "
        "Amaral 2005) says how evenly its ties spread over communities, its brokerage the "
        "share of shortest paths between accounts of different communities that pass "
        "through it (betweenness, Freeman 1977, over pairs across communities); the bridges "
        f"are at most {share} % of the accounts, those of highest brokerage (then "
        "participation), accounts tied at the cut-off all left out"
        + ". Each resource's new adopters per day were fitted by maximum likelihood (Poisson "
        "counts) with three nested models: innovation only (exponential), the Bass model "
        "(Bass 1969) and, for resources targeted by campaign actions, the Generalized Bass "
        "Model with each action as an effort impulse decaying exponentially (Bass, Krishnan "
        "and Jain 1994; Guseo, Dalla Valle and Guidolin 2007); the dispersion (Pearson "
        "chi-square per degree of freedom of the richest model) widened the 95 % intervals "
        "(quasi-Poisson), and the model retained was the simplest within 2 of the lowest QAIC "
        "(Burnham and Anderson 2002). A fit with a parameter at a bound or known only within "
        "more than a factor of 10 is reported as flagged with the reason, not as fitted. "
        "Take-off episodes were found by Kleinberg's two-state burst automaton (Kleinberg "
        "2002) on each resource's hourly adoptions, Poisson emissions: the base state expects "
        "the resource's mean rate shaped by the hour of the week at which all adoptions "
        f"happen, the burst state {scale:g} times it, entering a burst costs {cost:g} ln T (T "
        "hours) and leaving it nothing; an episode holds at least "
        f"{fewest} adoptions and is described by its start, end, peak and the cascade and "
        "community that brought most of its adoptions. An adoption is attributed to a "
        "campaign action when its link, within the action's window, carries at least one of "
        "the tracking parameters the action states (utm_source, utm_medium, utm_campaign, "
        "xtor code or type) with the stated value and none with another. The effect of an "
        "action is the rate ratio of an interrupted time series (Bernal, Cummins and "
        "Gasparrini 2017): a Poisson regression of the daily adoptions of the targeted "
        f"resources over the {before} days before the action and the {after} days from it on "
        "the day of the week, the share of French school-holiday zones on holiday and a step "
        "at the action, with a 95 % Wald interval widened by the Pearson dispersion when "
        f"above 1; below {fewest_ratio} adoptions before or after, no ratio is given. "
        + _CATEGORIES_EN[categories]
        + " Usage imported from the learning platform (course views, enrolments and "
        "completions per course and day), web analytics (visits by page, social referrer and "
        "campaign code) and e-mail tools (recipients, opens and clicks per link of each "
        "newsletter) was mapped to resources through the catalogue's course pages and links; "
        "the course ids and pages it does not know are listed with their counts. The funnel "
        "of each resource, over the whole period and per ISO week, gives its potential reach "
        "and unique audience (estimates), the clicks platforms and e-mail tools reported, its "
        "visits (in all, by social referrer, by campaign code), enrolments and completions "
        "(counted); a stage is known for a resource only from rows naming its course or pages, "
        "and no source covering it leaves it unknown, never zero; site-wide figures that name "
        "no page (visits per social network or campaign code, newsletters' recipients, opens "
        "and clicks) are kept per channel. Daily enrolments were regressed on the adoptions "
        "of the same day and of the 14 days before (a reshare of unknown time dated by the "
        "post it shares) by a distributed-lag Poisson model (Schwartz 2000; the lag profile "
        "constant over lag groups of doubling width, 0, 1, 2-3, 4-7 and 8-14 days), the "
        "enrolments caused adding to an organic baseline with day-of-week and school-holiday "
        "terms (Lin and Ying 1995), per resource and pooled (a baseline per resource): 100 "
        "times the sum of the lag coefficients is the expected number of enrolments caused "
        "per 100 collected adoptions within 14 days, with a 95 % profile-likelihood interval "
        "(Venzon and Moolgavkar 1988) widened by the Pearson dispersion when above 1. As a "
        "placebo, a negative control (Flanders et al. 2011), the same model with the "
        "adoptions moved 30 days into the future, beside the real ones, must find an "
        "interval containing zero; with too few adoptions, enrolments or days no estimate is "
        "given, and fits that did not converge are flagged. "
        "Each campaign action, and each newsletter of the e-mail tools' "
        "reports (with its recipients, opens and clicks, targeting the resources its links "
        "lead to), is given its visits carrying its code (its utm_campaign, or its xtor code "
        "or type) within its window, the enrolments of its resources, and the rate ratio of "
        "the interrupted time series above applied to their daily enrolments; its excess "
        "enrolments are O(1 − 1/RR), O those observed in the days from the action (the "
        "baseline expecting O/RR), with the interval the ratio's gives, and where the "
        "campaign file gives a cost, the cost per enrolment is the cost divided by the "
        "excess, not given when the excess is unknown or not positive; below "
        f"{fewest_ratio} enrolments before or after, no ratio is given."
    )
    french = (
        "Les traces ont été collectées par les API et pages publiques des plateformes, "
        "conservées telles que reçues, puis rattachées aux ressources du catalogue par URL "
        "normalisée. Les comptes sont pseudonymisés par un hachage à clé, sauf les comptes "
        "institutionnels de la liste d'autorisation. Chaque message citant une ressource, et "
        "chaque repartage, citation ou réponse d'un tel message, est une adoption ; une "
        "cascade est l'arbre des adoptions issu d'un message original. Un parent n'a été tenu "
        "pour indiqué que là où la plateforme indique le chemin (réponses et citations "
        "qu'aucun compte suivi n'avait repartagées avant, transferts Telegram, repartages "
        "Bluesky portant « via ») ; sinon, les candidats étaient l'auteur du message concerné "
        "et les comptes suivis qui l'avaient repartagé avant, et la règle « "
        f"{rule} » a choisi parmi eux (« kernel » : le plus probable selon un noyau de délai "
        "log-normal avec un taux par type de lien, estimé par maximum de vraisemblance par "
        "plateforme, d'après NetRate, Gomez-Rodriguez et al. 2011). Les adoptants dont les "
        "candidats ne pouvaient être ordonnés dans le temps, ou qui n'en suivaient aucun, ont "
        "été rattachés à l'auteur du message ; chaque lien indique comment il a été obtenu et "
        "sa probabilité a posteriori. Taille, profondeur, largeur maximale, viralité "
        "structurelle (distance moyenne entre paires, Goel et al. 2016) et heures entre le "
        "message original et le premier adoptant à chaque profondeur (Vosoughi et al. 2018) "
        "ont été calculées sur ces arbres, ainsi que les adoptants passés par chaque compte ; "
        f"chacune a une moyenne et un intervalle à 90 % sur {draws} arbres tirés selon les "
        "probabilités des candidats (les heures jusqu'à une profondeur sur les arbres tirés "
        "qui l'atteignent avec un adoptant d'heure connue, avec la part des arbres qui "
        "l'atteignent). La portée potentielle additionne les abonnés des partageurs ; "
        "l'audience unique est l'union de leurs abonnés observés, sa couverture la part des "
        "abonnés déclarés qui ont été collectés, sur les partageurs dont le nombre est connu. "
        "L'exposition d'un compte à une ressource est la part de ses abonnements collectés "
        "qui l'ont adoptée avant lui (ou tout court, s'il ne l'a pas adoptée ; Valente 1995), "
        "donnée pour tout compte dont les abonnements ont été collectés, zéro compris. "
        "Les communautés du graphe "
        "de sociabilité (abonnements, repartages, citations, réponses ; pondéré) ont été "
        f"détectées avec Leiden (Traag et al. 2019), objectif de modularité, résolution "
        f"{resolution}, graine {seed}, meilleur de {restarts} essai(s)"
        + (f", modularité {found}" if found else "")
        + stability_fr
        + f". Une communauté compte au moins {min_size} comptes ; les comptes des groupes "
        "plus petits forment un seul ensemble de « petits groupes » dans toutes les tables. "
        "Chaque communauté est désignée par les termes qui la distinguent le plus de tous "
        "les autres comptes (contextes où ses comptes publient, ressources adoptées, "
        "institutions de la liste d'autorisation auxquelles ils sont liés, comptés une fois "
        "par compte), par log-odds pondéré avec a priori de Dirichlet informatif (Monroe, "
        "Colaresi et Quinn 2008), z supérieur à 1,96 ; aucun compte de personne ne désigne "
        "une communauté. Le coefficient de participation d'un compte (Guimerà et Amaral "
        "2005) dit combien ses liens se répartissent entre communautés, son courtage la part "
        "des plus courts chemins entre comptes de communautés différentes qui passent par "
        "lui (intermédiarité, Freeman 1977, sur les paires entre communautés) ; les "
        f"passerelles sont au plus {share.replace('.', ',')} % des comptes, ceux de plus fort "
        "courtage (puis participation), les ex æquo au seuil tous écartés"
        + ". Les adoptants nouveaux de chaque ressource par jour ont été ajustés par maximum "
        "de vraisemblance (comptes de Poisson) par trois modèles emboîtés : innovation seule "
        "(exponentiel), modèle de Bass (Bass 1969) et, pour les ressources visées par des "
        "actions de campagne, modèle de Bass généralisé où chaque action est une impulsion "
        "d'effort à décroissance exponentielle (Bass, Krishnan et Jain 1994 ; Guseo, Dalla "
        "Valle et Guidolin 2007) ; la dispersion (khi-deux de Pearson par degré de liberté du "
        "modèle le plus riche) a élargi les intervalles à 95 % (quasi-Poisson), et le modèle "
        "retenu est le plus simple à moins de 2 du QAIC le plus bas (Burnham et Anderson "
        "2002). Un ajustement dont un paramètre touche une borne ou n'est connu qu'à un "
        "facteur 10 près est signalé avec sa raison, non donné pour ajusté. "
        "Les décollages ont été repérés par l'automate de sursaut à deux états de Kleinberg "
        "(Kleinberg 2002) sur les adoptions horaires de chaque ressource, émissions de "
        "Poisson : l'état de base attend le taux moyen de la ressource modulé selon l'heure de "
        "la semaine où ont lieu toutes les adoptions, l'état de sursaut "
        f"{_fr(scale)} fois ce taux ; entrer dans un sursaut coûte {_fr(cost)} ln T (T heures), "
        f"en sortir rien ; un épisode compte au moins {fewest} adoptions et est décrit par son "
        "début, sa fin, son pic, la cascade et la communauté qui en ont apporté le plus. Une "
        "adoption est attribuée à une action de campagne quand son lien, dans la fenêtre de "
        "l'action, porte au moins un des paramètres de suivi que l'action indique "
        "(utm_source, utm_medium, utm_campaign, code ou type xtor) avec la valeur indiquée et "
        "aucun avec une autre. L'effet d'une action est le rapport des taux d'une série "
        "temporelle interrompue (Bernal, Cummins et Gasparrini 2017) : régression de Poisson "
        f"des adoptions quotidiennes des ressources visées sur les {before} jours avant "
        f"l'action et les {after} jours à partir d'elle, selon le jour de la semaine, la part "
        "des zones de vacances scolaires en vacances et une marche à l'action, avec un "
        "intervalle de Wald à 95 % élargi par la dispersion de Pearson quand elle dépasse 1 ; "
        f"sous {fewest_ratio} adoptions avant ou après, aucun rapport n'est donné. "
        + _CATEGORIES_FR[categories]
        + " Les usages importés de la plateforme de formation (consultations, inscriptions "
        "et achèvements par cours et par jour), de la mesure d'audience (visites par page, "
        "par réseau social d'origine et par code de campagne) et des outils d'envoi "
        "(destinataires, ouvertures et clics par lien de chaque lettre) ont été rattachés "
        "aux ressources par les pages de cours et les liens du catalogue ; les identifiants "
        "de cours et pages qu'il ne connaît pas sont listés avec leurs comptes. L'entonnoir de "
        "chaque ressource, sur toute la période et par semaine ISO, donne sa portée "
        "potentielle et son audience unique (estimations), les clics signalés par les "
        "plateformes et les outils d'envoi, ses visites (en tout, par réseau social, par code "
        "de campagne), inscriptions et achèvements (comptés) ; une étape n'est connue pour une "
        "ressource que par des lignes nommant son cours ou ses pages, et une étape qu'aucune "
        "source ne couvre est inconnue, jamais nulle ; les chiffres du site qui ne nomment "
        "aucune page (visites par réseau social ou code de campagne, destinataires, "
        "ouvertures et clics des lettres) sont gardés par canal. Les inscriptions "
        "quotidiennes ont été régressées sur les adoptions du jour même et des 14 jours "
        "précédents (un repartage d'heure inconnue daté par le message qu'il repartage) par "
        "un modèle de Poisson à retards échelonnés (Schwartz 2000 ; profil des retards "
        "constant par groupes de retards de largeur doublant, 0, 1, 2-3, 4-7 et 8-14 jours), "
        "les inscriptions causées s'ajoutant à un niveau de base organique avec jour de la "
        "semaine et vacances scolaires (Lin et Ying 1995), par ressource et en commun (un "
        "niveau de base par ressource) : 100 fois la somme des coefficients des retards est le "
        "nombre attendu d'inscriptions causées pour 100 adoptions collectées dans les 14 "
        "jours, avec un intervalle de vraisemblance profilée à 95 % (Venzon et Moolgavkar "
        "1988) élargi par la dispersion de Pearson quand elle dépasse 1. En placebo, un "
        "contrôle négatif (Flanders et al. 2011), le même modèle avec les adoptions avancées "
        "de 30 jours dans le futur, à côté des vraies, doit trouver un intervalle contenant "
        "zéro ; avec trop peu d'adoptions, d'inscriptions ou de jours, aucune estimation "
        "n'est donnée, et les ajustements qui n'ont pas convergé sont signalés. "
        "Chaque action de campagne, et chaque lettre des rapports des "
        "outils d'envoi (avec ses destinataires, ouvertures et clics, visant les ressources "
        "où mènent ses liens), reçoit ses visites portant son code (son utm_campaign, ou son "
        "code ou type xtor) dans sa fenêtre, les inscriptions de ses ressources et le rapport "
        "des taux de la série temporelle interrompue ci-dessus appliquée à leurs inscriptions "
        "quotidiennes ; ses inscriptions en excès valent O(1 − 1/RR), O celles observées "
        "dans les jours à partir de l'action (le niveau de base en attendant O/RR), avec "
        "l'intervalle qu'en donne celui du rapport, et quand le fichier de campagnes donne un "
        "coût, le coût par inscription est ce coût divisé par l'excès, non donné quand "
        "l'excès est inconnu ou n'est pas positif ; sous "
        f"{fewest_ratio} inscriptions avant ou après, aucun rapport n'est donné."
    )
    return {"fr": french, "en": english}


def _fr(value: float) -> str:
    """A number in French (decimal comma)."""
    return f"{value:g}".replace(".", ",")


def _declare(graph: ET.Element, kind: str, rows: list[dict], skip: set[str]) -> dict[str, str]:
    """Declare the attributes of nodes or edges; return their ids by name."""
    types: dict[str, str] = {}
    for row in rows:
        for key, value in row.items():
            if key not in skip and _present(value):
                types[key] = _widest(types.get(key), _gexf_type(value))
    if not types:
        return {}
    declared = ET.SubElement(graph, "attributes", {"class": kind})
    ids = {}
    for number, (key, kind_of) in enumerate(types.items()):
        ids[key] = f"{kind[0]}{number}"
        ET.SubElement(declared, "attribute", {"id": ids[key], "title": _xml(key), "type": kind_of})
    return ids


def _values(item: ET.Element, data: dict, ids: dict[str, str]) -> None:
    present = [(ids[key], value) for key, value in data.items() if key in ids and _present(value)]
    if present:
        values = ET.SubElement(item, "attvalues")
        for identifier, value in present:
            ET.SubElement(values, "attvalue", {"for": identifier, "value": xml_safe(_text(value))})


def _gexf_type(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "boolean"
    if isinstance(value, numbers.Integral):
        return "long"
    if isinstance(value, numbers.Real):
        return "double"
    return "string"


def _widest(current: str | None, new: str) -> str:
    if current is None or current == new:
        return new
    if {current, new} == {"long", "double"}:
        return "double"
    return "string"


def _present(value) -> bool:
    """False for None, NaN, NaT and pandas' NA: the values equal to nothing, not even themselves."""
    try:
        return value is not None and bool(value == value)
    except TypeError:  # pandas.NA
        return False


def _text(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return repr(float(value))
    if isinstance(value, datetime):
        return _time(value)
    return str(value)


def _xml(value) -> str:
    return xml_safe(str(value))


def _time(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _plain_value(value):
    if isinstance(value, datetime):
        return _time(value)
    return xml_safe(value) if isinstance(value, str) else value


def _plain(data: dict) -> dict:
    """Data GraphML and JSON accept: no missing values, times as ISO strings, XML-safe text."""
    return {_plain_value(key): _plain_value(value)
            for key, value in data.items() if _present(value)}  # fmt: skip


def _plain_graph(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph`` whose node ids and data GraphML and JSON accept."""
    plain = graph.__class__()
    plain.graph.update(_plain(graph.graph))
    plain.add_nodes_from(
        (_plain_value(node), _plain(data)) for node, data in graph.nodes(data=True)
    )
    plain.add_edges_from(
        (_plain_value(s), _plain_value(t), _plain(data)) for s, t, data in graph.edges(data=True)
    )
    return plain
