"""The CNAF and MSA XML flux ("flux bénéficiaires", "flux instruction"), read as a stream.

Both payers send the same schema (root `Racine`, one `InfosFoyerRSA` per dossier): the element
names and where they sit come from the CNAF schema `vrsb0801.xsd` as kept by
gip-inclusion/carnet-de-bord (`backend/cdb/caf_msa/vrsb0801.xsd`) and from how WebRSA reads
the files (`/Racine/InfosFoyerRSA/...` in atolcd/webrsa `app/Doc/scripts/rcv_export_dossier.sh`,
"instruction: OK, bénéficiaires: OK"). `docs/flux.md` has the table.

The parser is defusedxml's expat SAX reader fed chunk by chunk: only the values we need are
kept, a dossier is dropped once it has become a record, so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.expatreader import DefusedExpatParser

from workflows.flux.readers.checks import (
    DossierDraft,
    FileProblem,
    PersonDraft,
    ReadContext,
    dossier_finish,
)
from workflows.flux.readers.codes import MSA_APPLICATIONS, PAYERS, STATE_BLOCKS
from workflows.flux.readers.limits import Limits, encoding_problem, human_size, size_problem
from workflows.flux.records import FluxLineError, FluxRecord, Payer

ROOT = "Racine"
DOSSIER = "InfosFoyerRSA"
PERSON = "Personne"
MAX_DEPTH = 32

# (parent element, element) → (scope, our key). The parent tells `Identification/NOM` (the
# person) from `Rattachement/NOMNAI` (a relative, not read).
FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("IdentificationFlux", "APPLIEME"): ("file", "application"),
    ("Organisme", "FONORG"): ("dossier", "fonorg"),
    ("Organisme", "MATRICULE"): ("dossier", "allocation_number"),
    ("DemandeRSA", "DTDEMRSA"): ("dossier", "request_date"),
    ("DemandeRSA", "NUMDEMRSA"): ("dossier", "request_number"),
    ("OrganismeCedant", "NUMORGCEDMUT"): ("dossier", "transfer_org"),
    ("OrganismeCedant", "DDARRMUT"): ("dossier", "transfer_on"),
    ("EtatDossierRSA", "ETATDOSRSA"): ("dossier", "right_state_code"),
    ("Identification", "NOM"): ("person", "last_name"),
    ("Identification", "NOMNAI"): ("person", "birth_name"),
    ("Identification", "PRENOM"): ("person", "first_name"),
    ("Identification", "DTNAI"): ("person", "birth_date"),
    ("Identification", "NIR"): ("person", "nir"),
    ("MontantCalculDroitRSAPersonne", "TOPPERSDRODEVORSA"): ("person", "subject"),
    ("Prestations", "NATPREST"): ("benefit", "natprest"),
    ("Prestations", "ROLEPERS"): ("benefit", "role"),
}
# The state's reason and date, per block of SituationDossierRSA (vrsb0801.xsd).
for _block, _reason, _date in (
    ("Refus", "MOTIREFURSA", "DTREFURSA"),
    ("SuspensionDroit", "MOTISUSDRORSA", "DDSUSDRORSA"),
    ("SuspensionVersement", "MOTISUSVERSRSA", "DDSUSVERSRSA"),
    ("FinDroit", "MOTICLORSA", "DTCLORSA"),
    ("FinDroitMoisAnterieur", "MOTICLORSA", "DTCLORSA"),
):
    FIELDS[(_block, _reason)] = ("state", f"{_block}:reason")
    FIELDS[(_block, _date)] = ("state", f"{_block}:date")

EXPAT_MESSAGES = {
    "not well-formed (invalid token)": "caractère ou balise invalide",
    "mismatched tag": "balise fermante qui ne correspond pas à la balise ouverte",
    "junk after document element": "contenu après la fin du document",
    "syntax error": "erreur de syntaxe",
    "undefined entity": "entité non définie",
}


def department_of_organisation(number: str) -> str:
    """The département of a CAF/MSA number (NUMORG, NUMORGCEDMUT), e.g. "931" → "93".

    Convention (the public code gives no table): WebRSA's fixtures pair NUMORG "931" with
    IDEPARTE "093" and "976" with "976"; overseas numbers (97x) are the département itself.
    """
    number = number.strip()
    return number if number.startswith("97") else number[:2]


class _Handler(ContentHandler):
    def __init__(self, ctx: ReadContext, limits: Limits) -> None:
        super().__init__()
        self.ctx = ctx
        self.limits = limits
        self.out: list[FluxRecord | FluxLineError] = []
        self.stack: list[str] = []
        self.file_values: dict[str, str] = {}
        self.dossier: DossierDraft | None = None
        self.person: PersonDraft | None = None
        self.benefit: dict[str, tuple[str, int]] = {}
        self.states: dict[str, tuple[str, int]] = {}
        self.capture: tuple[str, str, int] | None = None
        self.text: list[str] = []
        self.text_length = 0
        self.locator = None

    def setDocumentLocator(self, locator) -> None:  # noqa: N802 (SAX's name)
        self.locator = locator

    def line(self) -> int:
        return self.locator.getLineNumber() if self.locator is not None else 0

    def startElement(self, name: str, attrs) -> None:  # noqa: N802
        local = name.rpartition(":")[2]
        line = self.line()
        if not self.stack and local != ROOT:
            raise FileProblem(line, f"Élément racine inattendu « {local} » : « {ROOT} » attendu (ligne {line})")
        if len(self.stack) >= MAX_DEPTH:
            raise FileProblem(line, f"Imbrication trop profonde des balises (ligne {line})")
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(local)
        if local == DOSSIER and parent == ROOT:
            self.dossier, self.person, self.states = DossierDraft(line_no=line), None, {}
        elif local == PERSON and self.dossier is not None and parent == DOSSIER:
            self.person = PersonDraft(line_no=line)
        elif local == "Prestations":
            self.benefit = {}
        spec = FIELDS.get((parent, local))
        if spec is not None:
            self.capture, self.text, self.text_length = (spec[0], spec[1], line), [], 0

    def characters(self, content: str) -> None:
        if self.capture is None:
            return
        self.text_length += len(content)
        if self.text_length <= self.limits.max_field_chars:
            self.text.append(content)

    def endElement(self, name: str) -> None:  # noqa: N802
        local = self.stack.pop()
        if self.capture is not None:
            self._store(local)
        if local == "Prestations" and self.person is not None:
            role = self.benefit.get("role")
            if role and (self.benefit.get("natprest", ("",))[0] == "RSA" or "role" not in self.person.values):
                self.person.values["role"] = role
        elif local == PERSON and self.dossier is not None and self.person is not None:
            if len(self.dossier.persons) >= self.limits.max_persons:
                self.dossier.fail(
                    self.person.line_no, f"Trop de personnes dans le dossier (plus de {self.limits.max_persons})"
                )
            else:
                self.dossier.persons.append(self.person)
            self.person = None
        elif local == DOSSIER and self.dossier is not None and not self.stack[1:]:
            self.out.append(dossier_finish(self._resolve(self.dossier), self.ctx))
            self.dossier = None

    def _store(self, local: str) -> None:
        scope, key, line = self.capture
        self.capture = None
        value = "".join(self.text).strip()
        if self.text_length > self.limits.max_field_chars:
            if self.dossier is not None:
                self.dossier.fail(line, f"Le champ {local} dépasse {self.limits.max_field_chars} caractères")
            return
        if scope == "file":
            self.file_values[key] = value
        elif scope == "dossier" and self.dossier is not None:
            self.dossier.values[key] = (value, line)
        elif scope == "person" and self.person is not None:
            self.person.values[key] = (value, line)
        elif scope == "benefit" and self.person is not None:
            self.benefit[key] = (value, line)
        elif scope == "state" and self.dossier is not None:
            self.states[key] = (value, line)

    def _resolve(self, draft: DossierDraft) -> DossierDraft:
        """The values that depend on others: payer, the state's date and reason, the transfer."""
        values = draft.values
        fonorg, fonorg_line = values.pop("fonorg", ("", draft.line_no))
        if fonorg:
            draft.payer = PAYERS.get(fonorg, "")
            if not draft.payer:
                draft.fail(fonorg_line, f"Organisme payeur inconnu « {fonorg} » (FONORG)")
        else:
            msa = self.file_values.get("application") in MSA_APPLICATIONS
            draft.payer = Payer.MSA if msa else Payer.CNAF
        code = values.get("right_state_code", ("", 0))[0]
        for block in STATE_BLOCKS.get(code, ()):
            if f"{block}:date" in self.states or f"{block}:reason" in self.states:
                values["right_state_on"] = self.states.get(f"{block}:date", ("", 0))
                values["state_reason_code"] = self.states.get(f"{block}:reason", ("", 0))
                break
        org, org_line = values.pop("transfer_org", ("", 0))
        if org:
            values["transfer_from"] = (department_of_organisation(org), org_line)
        return draft


class _Parser(DefusedExpatParser):
    """defusedxml's reader, which also refuses a DTD, but only once its content is known.

    Entities are refused as they are declared (an entity bomb, an external entity), so each
    attack gets its own message; a DTD without entities is refused at its end.
    """

    def reset(self) -> None:
        super().reset()
        self._parser.StartDoctypeDeclHandler = self._doctype_start
        self._parser.EndDoctypeDeclHandler = self._doctype_end

    def _doctype_start(self, name, sysid, pubid, has_internal_subset) -> None:
        if sysid or pubid:
            raise ExternalReferenceForbidden(None, None, sysid, pubid)
        self._doctype_name = name

    def _doctype_end(self) -> None:
        raise DTDForbidden(getattr(self, "_doctype_name", ""), None, None)


def _security_message(error: Exception, line: int) -> str:
    if isinstance(error, EntitiesForbidden) and not (error.sysid or error.pubid):
        return f"Le fichier déclare une entité XML « {error.name} » (risque d'« entity bomb ») : refusé (ligne {line})"
    if isinstance(error, EntitiesForbidden | ExternalReferenceForbidden):
        return f"Le fichier fait référence à une entité ou une ressource externe : refusé (ligne {line})"
    return f"Le fichier contient une DTD (<!DOCTYPE>) : refusé (ligne {line})"


def _syntax_message(error: SAXParseException, handler: _Handler) -> str:
    line = error.getLineNumber()
    text = error.getMessage()
    if text in ("no element found", "unclosed token") or (handler.stack and "unclosed" in text):
        opened = f" : la balise « {handler.stack[-1]} » n'est pas fermée" if handler.stack else ""
        return f"Le fichier XML est incomplet ou tronqué{opened} (ligne {line})"
    reason = EXPAT_MESSAGES.get(text, "erreur de syntaxe")
    return f"Le fichier XML est mal formé : {reason} (ligne {line}, colonne {error.getColumnNumber() + 1})"


def read_xml(
    chunks: Iterable[bytes], ctx: ReadContext, limits: Limits, encoding: str
) -> Iterator[FluxRecord | FluxLineError]:
    """Every dossier of the file, in order, then the error that stopped it, if any."""
    handler = _Handler(ctx, limits)
    parser = _Parser()
    parser.setContentHandler(handler)
    handler.setDocumentLocator(parser)  # feed() does not, unlike parse(): the parser is one
    decoder = codecs.getincrementaldecoder(encoding)()
    lines, size = 1, 0
    try:
        for chunk in chunks:
            size += len(chunk)
            if size > limits.max_bytes:
                raise size_problem(limits, lines)
            good, bad_line = encoding_problem(decoder, chunk, lines)
            parser.feed(chunk[:good])
            yield from _drain(handler)
            _token_check(parser, size - len(chunk) + good, limits)
            if bad_line:
                raise FileProblem(bad_line, f"Le fichier n'est pas encodé en {encoding.upper()} (ligne {bad_line})")
            lines += chunk.count(b"\n")
        if encoding_problem(decoder, b"", lines)[1]:
            raise FileProblem(lines, f"Le fichier n'est pas encodé en {encoding.upper()} (ligne {lines})")
        parser.close()
        yield from _drain(handler)
    except FileProblem as problem:
        yield from _drain(handler)
        yield FluxLineError(problem.line_no, problem.message)
    except SAXParseException as error:
        yield from _drain(handler)
        yield FluxLineError(error.getLineNumber(), _syntax_message(error, handler))
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as error:
        line = handler.line()
        yield from _drain(handler)
        yield FluxLineError(line, _security_message(error, line))


def _token_check(parser: _Parser, fed: int, limits: Limits) -> None:
    """Expat holds a tag, a comment or an attribute whole until it ends: refuse an endless one.

    Between two events the parser's byte index stands still; bytes fed beyond it are held.
    """
    expat = parser._parser  # the pyexpat parser behind the SAX reader (no public accessor)
    if expat is not None and fed - max(expat.CurrentByteIndex, 0) > limits.max_token_bytes:
        line = expat.CurrentLineNumber
        raise FileProblem(
            line,
            f"Une balise, un commentaire ou une valeur dépasse {human_size(limits.max_token_bytes)} "
            f"sans se terminer : lecture arrêtée (ligne {line})",
        )


def _drain(handler: _Handler) -> Iterator[FluxRecord | FluxLineError]:
    out, handler.out = handler.out, []
    yield from out
