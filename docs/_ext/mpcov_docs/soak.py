"""The soak so far: what ``nox -s soak`` has recorded, part by part, before the merge."""

from __future__ import annotations

from pathlib import Path

from docutils import nodes

from .base import MpcovDirective
from .data import SOAK, Recording, SoakCampaign, evidence, observed, soak_campaigns
from .render import OUTCOME_CLASS, cell, make_details, note, paragraph, scroller, table

#: What a campaign's folder name means.
CAMPAIGNS = {"soak": "quiet machine", "soak-load": "beside a process that burns one CPU"}


_COLUMNS = (
    "example",
    "start method",
    "declared",
    "runs",
    "measured",
    "partial",
    "lost",
    "against the header",
    "evidence",
)


def _number(value: int) -> str:
    return f"{value:,}"


def campaign_summary(campaign: SoakCampaign, merged: bool) -> str:
    """One campaign in a sentence: parts recorded, runs, contrary runs, what is left."""
    where = CAMPAIGNS.get(campaign.label, campaign.label)
    if not campaign.parts and not campaign.stale:
        return f"{campaign.label} ({where}): not started; {campaign.total} examples to record."
    rows = [row for row in campaign.rows() if row.get("skip_reason") is None]
    text = (
        f"{campaign.label} ({where}): {len(campaign.parts)} of {campaign.total} examples "
        f"recorded, {len(rows)} rows, {_number(campaign.runs())} runs, "
        f"{_number(campaign.contrary())} against their header"
    )
    if campaign.parts:
        text += f" (parts made {campaign.dates()})"
    left = len(campaign.missing) + len(campaign.stale)
    if merged and not left:
        return text + "; merged into the recording shown below."
    if campaign.stale:
        text += f"; {len(campaign.stale)} recorded for an older header, to be recorded again"
    if not left:
        return text + "; not merged yet."
    return text + f"; {left} example{'s' if left != 1 else ''} to go, not merged yet."


def environment_text(parts: list[Recording]) -> str:
    """Where parts of one environment ran: machine, versions, libraries, repeats, lock."""
    doc, p = parts[0].doc, parts[0].doc["platform"]
    libraries: dict[str, str] = {}
    for part in parts:
        libraries.update(part.libraries())
    releases = " / ".join(sorted({str(part.doc["platform"]["release"]) for part in parts}))
    text = (
        f"{p['system']} {releases} ({p['machine']}, {p['cpus']} CPUs), {parts[0].python}, "
        f"coverage.py {parts[0].coverage}, mpcov {doc['mpcov']['version']}; libraries: "
        + (", ".join(f"{n} {v}" for n, v in sorted(libraries.items())) or "none needed")
        + f"; {doc['repeat']} runs per row, {doc.get('racy_repeat', doc['repeat'])} for racy "
        f"rows, {doc['jobs']} at a time"
    )
    lock = doc.get("lock")
    if lock:
        text += f"; installed from {lock['file']} (sha256 {lock['sha256'][:12]})"
    return text + "."


class SoakDirective(MpcovDirective):
    """Each soak campaign's parts: totals in a sentence, every row one click away."""

    @property
    def soak_dir(self) -> Path:
        """``mpcov_soak_dir`` from conf.py (default: docs/results/soak)."""
        return Path(getattr(self.config, "mpcov_soak_dir", None) or SOAK)

    def run(self) -> list[nodes.Node]:
        """Render one block per campaign folder."""
        campaigns = soak_campaigns(self.soak_dir, self.examples_dir, CAMPAIGNS)
        labels = {r.label for r in self.recordings()}
        section = nodes.container(classes=["mpcov-soak"])
        if not campaigns:
            section += note("No soak part has been recorded yet (`nox -s soak`).")
            return [section]
        for campaign in campaigns:
            for part in campaign.parts.values():
                self.env.note_dependency(str(part.path))
            section += paragraph(
                nodes.strong(text=campaign_summary(campaign, campaign.label in labels))
            )
            environments = campaign.environments()
            for parts in environments:
                section += paragraph(environment_text(parts), classes=["mpcov-caption"])
            if len(environments) > 1:
                section += note(
                    f"These parts come from {len(environments)} environments: `nox -s soak` "
                    "records the odd ones again before it merges them."
                )
            if not campaign.parts:
                continue
            header = [cell(text) for text in _COLUMNS]
            body = [
                [
                    cell(nodes.literal(text=row["example"])),
                    cell(row["start_method"]),
                    cell(row["expect"] or f"skipped: {row.get('skip_reason')}"),
                    cell(_number(int(row["runs"]))),
                    cell(_number(int(row["measured"])), OUTCOME_CLASS[observed(row)]),
                    cell(_number(int(row.get("partial") or 0))),
                    cell(_number(int(row["lost"]))),
                    cell(_number(int(row.get("contrary") or 0))),
                    cell(evidence(row)),
                ]
                for row in campaign.rows()
            ]
            section += make_details(
                f"Every row of the {campaign.label} parts",
                scroller(table([header], body, classes=["mpcov-soak-table"])),
                classes=["mpcov-soak-details"],
            )
        return [section]
