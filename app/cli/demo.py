"""``essaim demo``: try essaim on synthetic data, collected, loaded and analysed for real.

The committed demo (``datasets/demo``) holds the responses of a synthetic Bluesky, four
Mastodon instances, a phpBB teacher forum, a Discourse forum and Telegram channels.
``essaim demo`` serves them on 127.0.0.1, points the real collectors at them (``essaim
collect bluesky``, ``mastodon``, ``forum``, ``discourse`` and ``telegram``, in child
processes, with ``http_proxy`` set to the replay server, so the hosts keep their real
names), loads the
raw runs (shortened links resolved from the recorded redirections), analyses them, and says
what it found. ``--evaluate`` compares the result with the ground truth.
"""

from __future__ import annotations

import json
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
import pandas as pd

from app.cli.analyze import analysis_parameters, analyze_command
from app.cli.console import EXIT_OK, EXIT_PARTIAL, err, out, table
from app.cli.loading import load_into_store, pseudonymiser_for
from app.cli.serve import serve
from app.cli.translation import _, command, language, ngettext, number, option
from app.config import DATASETS, Settings, load_settings
from app.demo.forums import INSTITUTION_CHANNELS
from app.demo.generate import DEMO_SEED, generate
from app.demo.recording import Recording
from app.demo.replay import ReplayServer
from app.demo.usage import matomo_api
from collectors.rawrun import find_runs
from graph.store import Store
from graph.store.results import analyses, communities, resources, tables

__all__ = ["demo"]

DEMO_SOURCE = DATASETS / "demo"
DEMO_DATA = Path("essaim-demo")
_CONFIG = "essaim-demo.toml"  # written in the demo's data directory; marks it as the demo's
_RECORDING = "recording.jsonl.xz"
_INSTITUTIONS = "institutions.csv"  # the demo's allow-list, in its data directory
_CREDENTIALS = {
    "ESSAIM_BLUESKY_HANDLE": "collector.essaim.example",
    "ESSAIM_BLUESKY_APP_PASSWORD": "demo-demo-demo-demo",
    "ESSAIM_MATOMO_TOKEN": "demo-matomo-token",
}


@command()
@option(
    "--generate",
    "regenerate",
    is_flag=True,
    help="Draw the demo data again into --source (from --seed and --scale), then stop.",
)
@option(
    "--scale",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="With --generate: times the teachers of the default demo (4,000 accounts).",
)
@option("--seed", type=int, default=DEMO_SEED, show_default=True, help="With --generate.")
@option(
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEMO_SOURCE,
    help="Folder of the demo data [default: datasets/demo].",
)
@option("--evaluate", is_flag=True, help="Compare the reconstruction with the truth.")
@option(
    "--app/--no-app",
    "open_app",
    default=True,
    show_default=True,
    help="Open the app on the result (--no-app for scripts and CI).",
)
@option("--port", default=8501, show_default=True, help="The app's port.")
@option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The demo's folder, emptied first [default: essaim --data, else ./essaim-demo].",
)
@click.pass_context
def demo(
    context, regenerate, scale, seed, source: Path, evaluate: bool, open_app: bool, port, data_dir
):
    """Collect, load and analyse the embedded synthetic demo, then open the app on it.

    No account and no network are needed. Everything goes into ./essaim-demo (or --data),
    emptied first. Then use the other commands with --config <that folder>/essaim-demo.toml.
    """
    if regenerate:
        return _generate(source, scale, seed)
    description = _description(source)
    data_dir = data_dir or context.find_root().params["data_dir"] or DEMO_DATA
    settings = _prepare(data_dir, description, source)
    recording = Recording.read(source / _RECORDING)
    usage = description.get("usage")  # demo data drawn before the usage layer has none
    with ReplayServer() as server, err.status(_("Collecting (replayed on 127.0.0.1)…")):
        recording.serve(server)
        collections = _collections(description)
        if usage:
            _serve_matomo(server, source, usage)
            collections.append(_matomo_collection(usage))
        _collect(settings, collections, server.url)
    if usage:
        _import_usage(settings, source, usage)
    report = load_into_store(
        settings,
        find_runs(settings.raw_dir),
        no_pseudonymise=False,
        resolver=lambda url: _redirect(recording, url),
    )
    loaded = ngettext("Loaded {n} run, {records} records.", "Loaded {n} runs, {records} records.",
                      len(report.results))  # fmt: skip
    out.print(loaded.format(n=len(report.results), records=number(report.records)))
    context.find_root().obj = lambda: settings  # the commands below read the demo's settings
    code = context.invoke(analyze_command)
    _summary(settings, description)
    if evaluate:
        _evaluate(settings, source)
    essaim = f"essaim --config {settings.config_path}"
    if os.environ.get("ESSAIM_DATA"):  # it would take the place of the demo's folder
        essaim += f" --data {settings.data_dir}"
    go_on = _("The demo's data is in {data}. Go on with, for example:").format(
        data=settings.data_dir
    )
    out.print(
        f"\n{go_on}\n"
        f"  {essaim} show resource {_top_resource(settings)}\n"
        f"  {essaim} export --out demo-export\n"
        f"  {essaim} app",
        highlight=False,
        soft_wrap=True,
    )
    code = code if report.with_status("rejected") == [] else EXIT_PARTIAL
    if open_app:
        opening = _("Opening the app on {url} (Ctrl-C stops it)…")
        out.print("\n" + opening.format(url=f"http://localhost:{port}"))
        serve(settings, "127.0.0.1", port, browser=True)
    return code


def _generate(source: Path, scale: float, seed: int) -> int:
    with err.status(
        _("Generating the demo (seed {seed}, scale {scale})…").format(
            seed=seed, scale=number(scale, "g")
        )
    ):
        description = generate(
            source,
            DATASETS / "catalogue" / "e-inspe.csv",
            DATASETS / "institutions.csv",
            scale=scale,
            seed=seed,
        )
    counts = description["counts"]
    out.print(
        _(
            "Wrote {source}: {accounts} accounts, {follows} follows, {adoptions} adoptions, "
            "{likes} likes, {responses} recorded responses; {malformed} deliberately malformed."
        ).format(
            source=source,
            **{
                name: number(counts[name])
                for name in ("accounts", "follows", "adoptions", "likes", "responses")
            },
            malformed=len(description["malformed"]),
        )
    )
    return EXIT_OK


def _description(source: Path) -> dict:
    path = source / "demo.json"
    if not path.exists() or not (source / _RECORDING).exists():
        raise click.ClickException(
            _(
                "no demo data in {source}: run `essaim demo --generate --source {source}` first"
            ).format(source=source)
        )
    return json.loads(path.read_text(encoding="utf-8"))


def _prepare(data_dir: Path, description: dict, source: Path) -> Settings:
    """Empty the demo's data directory (only if it is one) and write its configuration."""
    config = data_dir / _CONFIG
    if data_dir.exists() and any(data_dir.iterdir()) and not config.exists():
        raise click.ClickException(
            _("{folder} holds other data: give the demo an empty or new folder with --data").format(
                folder=data_dir
            )
        )
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    bluesky, mastodon = description["bluesky"], description["mastodon"]
    hosts = [urlsplit(url).netloc for url in (bluesky["service"], bluesky["appview"])]
    config.write_text(
        f"""# The essaim demo: synthetic data replayed from {source.resolve()}.
data_dir = "."

[privacy]
secret_file = "pseudonymisation.key"

[collect]
contact = "essaim demo"
timeout = 10.0
max_retries = 1
backoff = 0.1

[sources.bluesky]
service = "{bluesky["service"]}"
appview = "{bluesky["appview"]}"
plc = "{bluesky["plc"]}"
requests_per_5min = 3000000  # {", ".join(hosts)} are replayed locally

[sources.mastodon]
instances = {json.dumps(mastodon["instances"])}
tags = {json.dumps(mastodon["tags"])}
requests_per_5min = 3000000

[sources.forums]
requests_per_5min = 3000000

[sources.telegram]
base = "{description["telegram"]["base"]}"
requests_per_5min = 3000000

[tracking]
institutions = "{_INSTITUTIONS}"

[analysis]
campaigns = "{(source / "campaigns.csv").resolve()}"
""",
        encoding="utf-8",
    )
    _write_institutions(data_dir / _INSTITUTIONS)
    return load_settings(config, data_dir)  # not $ESSAIM_DATA: the demo's folder


def _write_institutions(path: Path) -> None:
    """The allow-list shipped with essaim, plus the demo's institutional Telegram channels
    (synthetic: they exist only in the demo, so they are not in the shipped list)."""
    shipped = pd.read_csv(DATASETS / "institutions.csv", dtype=str, keep_default_na=False)
    channels = pd.DataFrame(
        {"platform": "telegram", "account_id": list(INSTITUTION_CHANNELS), "handle": "",
         "name": list(INSTITUTION_CHANNELS.values()), "kind": "network", "verified": "no",
         "note": "Synthetic channel of the essaim demo"}
    )  # fmt: skip
    pd.concat([shipped, channels], ignore_index=True).to_csv(path, index=False)


def _collections(description: dict) -> list[list[str]]:
    bluesky = ["bluesky", "--follows", "--repost-times"]
    bluesky += [f"--domain={domain}" for domain in description["bluesky"]["domains"]]
    bluesky += [f"--query={query}" for query in description["bluesky"]["queries"]]
    forum = ["forum", f"--url={description['forum']['url']}"]
    forum += [f"--engine={description['forum']['engine']}"]
    discourse = ["discourse", f"--url={description['discourse']['url']}"]
    discourse += [f"--query={query}" for query in description["discourse"]["queries"]]
    telegram = ["telegram", *(f"--channel={c}" for c in description["telegram"]["channels"])]
    return [bluesky, ["mastodon", "--follows"], forum, discourse, telegram]


def _serve_matomo(server: ReplayServer, source: Path, usage: dict) -> None:
    """Answer Matomo's Reporting API from the demo's daily reports."""
    with lzma.open(source / "matomo.json.xz", "rt", encoding="utf-8") as file:
        reports = json.load(file)
    server.add_dynamic(urlsplit(usage["matomo"]["url"]).netloc + "/index.php", matomo_api(reports))


def _matomo_collection(usage: dict) -> list[str]:
    matomo = usage["matomo"]
    return ["matomo", f"--url={matomo['url']}", f"--site-id={matomo['site_id']}",
            f"--since={usage['since']}", f"--until={usage['until']}"]  # fmt: skip


def _import_usage(settings: Settings, source: Path, usage: dict) -> None:
    """Import the Moodle log report (unpacked into the demo's folder, as downloaded) and the
    newsletters' report, with ``essaim import`` as a user would."""
    log = settings.data_dir / "moodle-log.csv"
    with lzma.open(source / "moodle-log.csv.xz") as packed:
        log.write_bytes(packed.read())
    imports = [["moodle-log", str(log), f"--site={usage['site']}"],
               ["brevo", str(source / "brevo-campaigns.json")]]  # fmt: skip
    with err.status(_("Importing the usage files…")):
        _collect(settings, imports, verb="import")


def _collect(
    settings: Settings, collections: list[list[str]], proxy: str = "", verb: str = "collect"
) -> None:
    """Run ``essaim collect`` (or ``verb``) for every source at once, through the replay
    server at ``proxy``."""
    environment = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    environment.update(_CREDENTIALS, ESSAIM_LANG=language())  # they speak as the demo does
    if proxy:
        environment.update(http_proxy=proxy, HTTP_PROXY=proxy)
    command = [sys.executable, "-m", "app", "--config", str(settings.config_path),
               "--data", str(settings.data_dir), verb]  # fmt: skip
    running = [
        subprocess.Popen(
            [*command, *arguments],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for arguments in collections
    ]
    for arguments, process in zip(collections, running, strict=True):
        output = process.communicate()[0]
        err.print(output.rstrip(), highlight=False)
        if process.returncode not in (EXIT_OK, EXIT_PARTIAL):
            failed = _("the demo's `{command}` failed")
            raise click.ClickException(
                failed.format(command=" ".join(["essaim", verb, *arguments]))
            )


def _redirect(recording: Recording, url: str) -> str:
    """Where a shortened link leads, from the shortener's recorded answer."""
    answer = recording.responses.get(Recording.key(url))
    if answer is None or answer["status"] not in (301, 302):
        raise LookupError(f"{url}: HTTP {answer['status'] if answer else 'unknown'}")
    return answer["headers"]["Location"]


def _summary(settings: Settings, description: dict) -> None:
    with Store(settings.database, read_only=True) as store:
        rows = analyses.resources_by_adoptions(store.connection)
    out.print(table(_("Resources of the demo, by adoptions"), rows.to_dict("records")))
    if description["malformed"]:
        err.print(_("The demo holds deliberately malformed answers (reported above, not parsed):"))
        for answer in description["malformed"]:
            err.print(f"  {answer['what']}", highlight=False)


def _top_resource(settings: Settings) -> str:
    with Store(settings.database, read_only=True) as store:
        found = analyses.most_adopted_resource(store.connection)
    return found or "<resource>"


def _evaluate(settings: Settings, source: Path) -> None:
    """Print how well parents, their confidence, metric intervals, communities, campaign
    attribution and take-off episodes are recovered."""
    from app.demo.evaluation import community_agreement, coverage
    from graph import builders

    with Store(settings.database, read_only=True) as store:
        ids = _stored_ids(settings, store, source)
        truth = _true_parents(source, ids)
        adoptions = builders.adoption_events(store.connection)
        follows = builders.follows(store.connection)
        found = communities.account_communities(store.connection)
        listed = communities.overview(store.connection)
        catalogue = builders.catalogue(store.connection)
        effects = tables.table_frame(store.connection, "campaign_effects")
        episodes = resources.takeoff_episodes(store.connection)
    collected = coverage(adoptions, truth)
    out.print(table(_("Adoptions collected, against the truth"), collected.to_dict("records")))
    _evaluate_parents(adoptions, follows, truth)
    accounts = pd.read_csv(source / "accounts.csv.xz", keep_default_na=False)
    # Forum members and channels have no planted community: they are not in the network.
    people = accounts[(accounts["kind"] == "person") & (accounts["community"] != "")]
    planted = pd.Series(
        people["community"].to_numpy(),
        index=pd.MultiIndex.from_arrays([people["platform"], people["account_id"].map(ids)]),
    )
    detected = found.set_index(["platform", "account_id"])["community"]
    agreement = community_agreement(detected, planted)
    out.print(
        _(
            "Communities: {found} of at least {min_size} accounts found for {planted} planted; "
            "NMI {nmi} over {accounts} accounts, small groups as one."
        ).format(
            found=listed["communities"],
            min_size=listed["min_size"],
            planted=agreement["planted"],
            nmi=number(agreement["nmi"], ".3f"),
            accounts=number(agreement["accounts"]),
        )
    )
    events = _truth_events(source, ids)
    _evaluate_campaigns(settings, events, adoptions, catalogue, effects)
    _evaluate_episodes(episodes, events)
    if (source / "usage-truth.csv").exists():
        _evaluate_usage(settings, source, events)


def _evaluate_usage(settings: Settings, source: Path, events: pd.DataFrame) -> None:
    """The uptake's 95 % intervals against the reference (the planted effect per collected
    adoption, :mod:`app.demo.usage_recovery`), the placebos; the funnel against the truth."""
    from app.demo.usage_recovery import effect_recovery, funnel_errors
    from graph.store.results import usage

    with Store(settings.database, read_only=True) as store:
        uptake = usage.uptake(store.connection)
        funnel = usage.funnel(store.connection, period="all")
    truth = pd.read_csv(source / "usage-truth.csv")
    if uptake.empty:
        out.print(_("Use: no uptake measured."))
        return
    found = effect_recovery(uptake, truth, events)
    rows = [
        {"resource": row.resource, "planted": round(row.planted, 2),
         "reference": round(row.reference, 2),
         "per 100 [95 %]": _("{value} [{low}, {high}]").format(
             value=number(row.per_100, ".2f"), low=number(row.low, ".2f"),
             high=number(row.high, ".2f")) if pd.notna(row.per_100) else "",
         "covers": row.covers, "placebo": row.placebo}
        for row in found.itertuples(index=False)
    ]  # fmt: skip
    out.print(table(
        _("Enrolments per 100 collected adoptions against the reference, planted × true / "
          "collected adoptions (planted: per true adoption); placebo: adoptions moved 30 days "
          "ahead, nothing when its interval holds 0"),
        rows,
    ))  # fmt: skip
    pooled = found[found["resource"] == "pooled"].iloc[0]
    fits = found[found["resource"] != "pooled"]
    placebo = found["placebo"].value_counts()
    inside = {True: _("inside"), False: _("outside"), None: _("not measured")}
    pooled = pooled.where(pooled.notna(), None)
    out.print(
        _(
            "Use: the reference lies inside {covered} of {fits} resources' intervals and "
            "{pooled_covers} the pooled one: {interval} per 100 collected "
            "adoptions, reference {reference} = {planted} × {true} true / {collected} "
            "collected. The planted {planted} per true adoption lies inside {covered_planted} "
            "of {fits} and {pooled_covers_planted} the pooled one. The placebo finds nothing "
            "in {nothing} of {all} fits, an effect in {effect}, is not measured in {unmeasured}."
        ).format(
            covered=int(fits["covers"].eq(True).sum()),
            fits=len(fits),
            pooled_covers=inside[pooled["covers"]],
            interval=_("{value} [{low}, {high}]").format(
                value=number(pooled["per_100"], ".2f"),
                low=number(pooled["low"], ".2f"),
                high=number(pooled["high"], ".2f"),
            ),
            reference=number(pooled["reference"], ".2f"),
            planted=number(pooled["planted"], ".2f"),
            true=number(pooled["true"]),
            collected=number(pooled["collected"]),
            covered_planted=int(fits["covers_planted"].eq(True).sum()),
            pooled_covers_planted=inside[pooled["covers_planted"]],
            nothing=placebo.get("nothing", 0),
            all=len(found),
            effect=placebo.get("effect", 0),
            unmeasured=int(found["placebo"].isna().sum()),
        ),
        highlight=False,
    )
    errors = funnel_errors(funnel, truth) if not funnel.empty else pd.DataFrame()
    if errors.empty:
        return
    summary = errors.groupby("stage", sort=False).agg(
        found=("found", "sum"), true=("true", "sum"), worst=("error", lambda e: e.abs().max())
    )
    summary["error"] = (summary["found"] - summary["true"]) / summary["true"]
    out.print(table(
        _("Funnel against the truth, all resources over the period (error: relative, in "
          "total; worst: the largest of one resource's)"),
        summary.round(3).reset_index().to_dict("records"),
    ))  # fmt: skip


def _evaluate_campaigns(settings, truth, adoptions, catalogue, effects) -> None:
    """The adoptions attributed to each action against those its campaign caused."""
    from app.demo.effects import campaign_recovery
    from graph.campaigns import driven_adoptions, read_campaigns, targets

    if settings.campaigns is None or effects.empty:
        return
    after_days = analysis_parameters(settings).after_days
    actions = read_campaigns(settings.campaigns, catalogue["resource_id"],
                             catalogue["parcours"].dropna())  # fmt: skip
    actions["resources"] = [targets(a, catalogue) for a in actions.itertuples(index=False)]
    attributed = driven_adoptions(actions, adoptions, catalogue, after_days)
    found = campaign_recovery(attributed, truth, actions, after_days)
    effects = effects.set_index("label")
    excess = (effects["adoptions_after"] - effects["expected_after"]).round(1)
    found["excess_after"] = excess.reindex(found["action"]).to_numpy()
    out.print(table(
        _("Campaign actions: adoptions attributed against the posts each campaign caused "
          "(true); caused after: those posts and their cascades in the {days} days from the "
          "action's day; excess after: collected adoptions then, less what the baseline "
          "expected").format(days=after_days),
        found.to_dict("records"),
    ))  # fmt: skip


def _evaluate_episodes(episodes: pd.DataFrame, truth: pd.DataFrame) -> None:
    """What truly drove each take-off episode, resource by resource."""
    from app.demo.effects import episode_ties

    if episodes.empty:
        out.print(_("Take-off: no episode found."))
        return
    ties = episode_ties(episodes, truth)
    counts = pd.crosstab(ties["resource_id"], ties["tied"]).reindex(
        columns=["campaign", "cascade", "none"], fill_value=0
    )
    counts.insert(0, "episodes", counts.sum(axis=1))
    named = ties[ties["tied"] == "campaign"]["action"].notna().sum()
    out.print(table(_("Take-off episodes per resource, by what truly drove them (at least "
                      "half of their adoptions from a campaign's posts, else from one cascade)"),
                    counts.reset_index().to_dict("records")))  # fmt: skip
    tied = int((ties["tied"] != "none").sum())
    out.print(
        _(
            "Take-off: {episodes} episodes over {resources} resources ({fewest}–{most} each); "
            "{tied} tied to a campaign action or a large cascade; the analysis named the "
            "action of {named} of the {driven} driven by a campaign."
        ).format(
            episodes=len(ties),
            resources=len(counts),
            fewest=counts["episodes"].min(),
            most=counts["episodes"].max(),
            tied=tied,
            named=named,
            driven=int((ties["tied"] == "campaign").sum()),
        ),
        highlight=False,
    )


def _evaluate_parents(adoptions: pd.DataFrame, follows: pd.DataFrame, truth: pd.DataFrame):
    """Accuracy of every rule; calibration and metric intervals of the default one."""
    from app.demo.evaluation import calibration, interval_coverage, parent_accuracy, true_trees
    from graph.cascades import RULES, cascade_metrics, reconstruct
    from graph.uncertainty import metric_intervals

    rows, default = [], None
    for rule in RULES:
        result = reconstruct(adoptions, follows, rule)
        default = default or result
        accuracy = parent_accuracy(result.tree, truth)
        rows += [{"rule": rule, **row} for row in accuracy.to_dict("records")]
    out.print(table(_("Parents recovered (true parent = reconstructed parent)"), rows))
    reliability, summary = calibration(default.tree, truth)
    inferred = default.tree["method"].str.startswith("inferred:")
    alone = calibration(default.tree[inferred], truth)[1]
    confidence = _("Confidence of the {rule} rule's parents").format(rule=RULES[0])
    out.print(table(confidence, reliability.to_dict("records")))
    out.print(
        _(
            "Calibration over {adopters} adopters with a confidence ({without} without): "
            "expected calibration error {ece}, Brier score {brier}; inferred parents alone: "
            "{inferred_ece} and {inferred_brier}."
        ).format(
            adopters=number(summary["adopters"]),
            without=number(summary["no_confidence"]),
            ece=number(summary["ece"], ".3f"),
            brier=number(summary["brier"], ".3f"),
            inferred_ece=number(alone["ece"], ".3f"),
            inferred_brier=number(alone["brier"], ".3f"),
        )
    )
    truly, kept = true_trees(default.tree, truth)
    intervals = metric_intervals(default.tree, default.candidates).cascades
    intervals = intervals[intervals["size"] >= 2]
    covered = interval_coverage(intervals, cascade_metrics(truly))
    out.print(table(_("True values inside the 90 % intervals"), covered.to_dict("records")))
    out.print(
        _(
            "Intervals checked on the {kept} of {cascades} cascades whose true tree is known "
            "({outside} have a true parent that was not collected)."
        ).format(
            kept=number(kept["kept"]),
            cascades=number(kept["cascades"]),
            outside=number(kept["parent_outside"]),
        )
    )


def _stored_ids(settings: Settings, store: Store, source: Path) -> dict[str, str]:
    """Platform account id -> the id the store keeps (a pseudonym unless allow-listed)."""
    accounts = pd.read_csv(source / "accounts.csv.xz", keep_default_na=False)
    pseudonymiser = pseudonymiser_for(settings, store, no_pseudonymise=False)
    if pseudonymiser is None:
        return dict(zip(accounts["account_id"], accounts["account_id"], strict=True))
    return {
        account: account
        if pseudonymiser.is_named(platform, account, handle)
        else pseudonymiser.account(platform, account)
        for platform, account, handle in accounts[["platform", "account_id", "handle"]].itertuples(
            index=False
        )
    }


def _truth_events(source: Path, ids: dict[str, str]) -> pd.DataFrame:
    """Every true adoption with its event number, parent event, time, origin and campaign."""
    events = pd.read_csv(source / "events.csv.xz")
    events = events[events["resource_id"].notna()]
    return events.assign(
        account_id=events["account_id"].map(ids), at=pd.to_datetime(events["at"], utc=True)
    )[["event", "parent", "resource_id", "platform", "account_id", "at", "origin", "campaign"]]


def _true_parents(source: Path, ids: dict[str, str]) -> pd.DataFrame:
    events = pd.read_csv(source / "events.csv.xz")
    events = events[events["resource_id"].notna()]
    return pd.DataFrame(
        {
            "resource_id": events["resource_id"],
            "platform": events["platform"],
            "account_id": events["account_id"].map(ids),
            "true_parent": events["parent_account_id"].map(ids),
        }
    )
