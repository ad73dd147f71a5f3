"""Diagram registry: parses ``bpmn/`` into versioned specs, stored once per content hash.

A version is identified by the SHA-256 of every source file the process needs (its own
BPMN file, the files of the processes it calls, the decision tables and the form schemas).
Deploying unchanged files is a no-op; running cases keep the version they started on.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.exceptions import SpiffWorkflowException
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.store.errors import DiagramInvalid, NotFound
from engine.store.models import SpecVersion

from .serializer import SpecBundle, StateSerializer
from .timer_events import QiangjianParser

logger = logging.getLogger(__name__)

SOURCE_SUFFIXES = (".bpmn", ".dmn", ".json")
# Changed when the engine builds different specs from the same files, so that deploying stores a new version
# instead of reusing spec JSON an older build stored ("decision-items": multi-instance decisions run as one
# task, engine.decision_items). Cases keep the version they started on.
SPEC_BUILD = "decision-items"


@dataclass(frozen=True)
class ParsedProcess:
    """A process parsed from sources, before it is stored."""

    process_id: str
    specs: SpecBundle
    sources: dict[str, str]
    content_hash: str


@dataclass(frozen=True)
class ProcessVersion:
    """A stored, loaded process version: what the runtime runs cases on."""

    id: int
    process_id: str
    content_hash: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def specs(self) -> SpecBundle:
        return self.spec, self.subprocess_specs


def read_sources(directory: Path) -> dict[str, str]:
    """Every diagram, decision table and form file in ``directory`` by file name."""
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(directory.iterdir())
        if p.is_file() and p.suffix in SOURCE_SUFFIXES
    }


def parse_sources(sources: dict[str, str]) -> dict[str, ParsedProcess]:
    """Parse BPMN and DMN sources into one ParsedProcess per executable process.

    :raises DiagramInvalid: naming the file and element when SpiffWorkflow rejects a source.
    """
    parser = QiangjianParser()
    try:
        for name, text in sources.items():
            if name.endswith(".bpmn"):
                parser.add_bpmn_str(text.encode("utf-8"), filename=name)
            elif name.endswith(".dmn"):
                parser.add_dmn_str(text.encode("utf-8"), filename=name)
        parsed = {}
        for process_id in parser.get_process_ids():
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
            needed = _needed_files(parser, process_id, subprocess_specs, sources)
            parsed[process_id] = ParsedProcess(
                process_id, (spec, subprocess_specs), needed, _content_hash(needed)
            )
        return parsed
    except SpiffWorkflowException as exc:
        element = getattr(exc, "id", "") or ""
        raise DiagramInvalid(
            f"{getattr(exc, 'file_name', '')}: {exc}", [(element, str(exc))]
        ) from exc


def _needed_files(
    parser: QiangjianParser, process_id: str, subprocess_specs: dict[str, Any], sources: dict[str, str]
) -> dict[str, str]:
    names = {parser.get_process_parser(pid).filename for pid in [process_id, *subprocess_specs]}
    names |= {n for n in sources if n.endswith(".dmn")}
    for spec in [parser.get_spec(process_id), *subprocess_specs.values()]:
        names |= set(form_files(spec))
    start_form = f"{process_id}.start.schema.json"
    if start_form in sources:
        names.add(start_form)
    missing = sorted(n for n in names if n not in sources)
    if missing:
        raise DiagramInvalid(f"{process_id}: missing files {', '.join(missing)}", [(process_id, str(missing))])
    return {n: sources[n] for n in sorted(names)}


def form_files(spec: BpmnProcessSpec) -> list[str]:
    """Form schema file names referenced by the user tasks of one process spec."""
    names = []
    for task_spec in spec.task_specs.values():
        props = getattr(task_spec, "extensions", {}).get("properties", {})
        if "formJsonSchemaFilename" in props:
            names.append(props["formJsonSchemaFilename"])
    return names


def _content_hash(sources: dict[str, str]) -> str:
    digest = hashlib.sha256(SPEC_BUILD.encode() + b"\0")
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    return digest.hexdigest()


class SpecRegistry:
    """Stores process versions in the database and keeps the loaded specs in memory."""

    def __init__(self, serializer: StateSerializer) -> None:
        self._serializer = serializer
        self._cache: dict[int, ProcessVersion] = {}

    def deploy_sources(
        self, session: Session, sources: dict[str, str], now: datetime, created_by: str | None = None,
    ) -> list[int]:
        """Store every process in ``sources`` (new versions only) and make them current."""
        ids = []
        for parsed in parse_sources(sources).values():
            ids.append(self._store(session, parsed, now, created_by).id)
        return ids

    def deploy_directory(self, session: Session, directory: Path, now: datetime) -> list[int]:
        """Deploy every process found in a directory such as ``bpmn/``."""
        return self.deploy_sources(session, read_sources(directory), now)

    def _store(self, session: Session, parsed: ParsedProcess, now: datetime, created_by: str | None) -> SpecVersion:
        row = session.scalar(
            select(SpecVersion).where(
                SpecVersion.process_id == parsed.process_id, SpecVersion.content_hash == parsed.content_hash
            )
        )
        if row is None:
            row = SpecVersion(
                process_id=parsed.process_id,
                content_hash=parsed.content_hash,
                sources=parsed.sources,
                spec_json=self._serializer.dump_specs(parsed.specs),
                created_at=now,
                created_by=created_by,
            )
            session.add(row)
            session.flush()
            logger.info("Stored %s version %s", parsed.process_id, parsed.content_hash[:12])
        session.execute(
            update(SpecVersion)
            .where(SpecVersion.process_id == parsed.process_id)
            .values(is_current=(SpecVersion.id == row.id))
        )
        return row

    def current(self, session: Session, process_id: str) -> ProcessVersion:
        """The version new cases of ``process_id`` start on.

        :raises NotFound: if the process was never deployed.
        """
        version_id = session.scalar(
            select(SpecVersion.id).where(SpecVersion.process_id == process_id, SpecVersion.is_current)
        )
        if version_id is None:
            raise NotFound(f"process {process_id!r} is not deployed")
        return self.get(session, version_id)

    def get(self, session: Session, version_id: int) -> ProcessVersion:
        """A stored version by id, loaded once per process and then served from memory."""
        cached = self._cache.get(version_id)
        if cached is not None:
            return cached
        row = session.get(SpecVersion, version_id)
        if row is None:
            raise NotFound(f"spec version {version_id} does not exist")
        spec, subprocess_specs = self._serializer.load_specs(row.spec_json)
        forms = {n: json.loads(t) for n, t in row.sources.items() if n.endswith(".json")}
        version = ProcessVersion(row.id, row.process_id, row.content_hash, spec, subprocess_specs, forms)
        self._cache[version_id] = version
        return version
