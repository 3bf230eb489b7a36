"""The audit trail: every change to a beneficiary, pathway, contract, consent or diagnostic
section is recorded as a historical row (django-simple-history), with who and when.

The trail is append-only: the historical querysets refuse `update()`/`delete()`, a historical
row cannot be saved twice, and on PostgreSQL a trigger refuses UPDATE and DELETE as well.
The only exception is the retention service (`casework.services.retention`), which erases
identity fields in old rows once the retention period is over (RGPD), under an explicit
database flag. The manager is called `audit` (`pathway.audit.all()`), because `history` is
already the transition log of a pathway.
"""

from django.db import models
from simple_history import register
from simple_history.manager import HistoricalQuerySet, HistoryDescriptor, HistoryManager
from simple_history.models import HistoricalRecords

from .beneficiaries import Beneficiary
from .engagement import ActivityDuration, ActivityWeek, ContractActivity
from .pathways import Contract, Pathway
from .secrecy import Consent, DiagnosticSection

AUDIT_MANAGER = "audit"


class AppendOnlyHistoricalQuerySet(HistoricalQuerySet):
    def update(self, **kwargs):
        raise PermissionError("Le journal d'audit est en ajout seul : aucune modification possible.")

    def delete(self):
        raise PermissionError("Le journal d'audit est en ajout seul : aucune suppression possible.")


class AppendOnlyHistoryManager(HistoryManager):
    pass


class AppendOnlyHistoricalModel(models.Model):
    """Base of every historical model: a row, once written, is never rewritten through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Le journal d'audit est en ajout seul : aucune modification possible.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal d'audit est en ajout seul : aucune suppression possible.")


class BuiltOnceHistoryDescriptor(HistoryDescriptor):
    """`pathway.audit`, with its manager class built once.

    simple-history's descriptor builds the manager class (`from_queryset`, which walks the
    queryset's methods with `inspect`) on every access, and it reads the attribute on every
    save of an audited model to find the historical model.
    """

    def __init__(self, model, manager=HistoryManager, queryset=HistoricalQuerySet):
        super().__init__(model, manager=manager, queryset=queryset)
        self._manager_of_queryset = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self._manager_of_queryset(self.model, instance)


class AuditRecords(HistoricalRecords):
    """simple-history's recorder, findable from the model (`audit_records(Pathway)`) so that
    a service writing a historical row in SQL takes the same user, date and fields."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        plain = sender.__dict__[self.manager_name]
        setattr(
            sender,
            self.manager_name,
            BuiltOnceHistoryDescriptor(plain.model, plain.manager_class, plain.queryset_class),
        )
        _RECORDS[sender] = self


_RECORDS: dict[type[models.Model], AuditRecords] = {}


def audit_records(model: type[models.Model]) -> AuditRecords:
    return _RECORDS[model]


AUDITED_MODELS = (
    Beneficiary,
    Pathway,
    Contract,
    Consent,
    DiagnosticSection,
    ContractActivity,
    ActivityDuration,
    ActivityWeek,
)

# What the audit trail is read by, besides the audited row's own id: the audit page lists a
# pathway's contracts and diagnostic sections and a person's consents; retention blanks a
# pathway's diagnostic history. simple-history copies every index of the model onto its
# history table; the others are never read there and cost every audited write an index
# entry each (a transition wrote 13 index entries for its one pathway history row).
AUDIT_READ_BY = {
    Contract: ["pathway"],
    Consent: ["beneficiary"],
    DiagnosticSection: ["pathway"],
    ContractActivity: ["contract"],
    ActivityDuration: ["contract"],
    ActivityWeek: ["pathway"],
}


def _unread_indexes(model: type[models.Model]) -> list[str]:
    kept = {model._meta.pk.name, *AUDIT_READ_BY.get(model, [])}
    return [f.name for f in model._meta.concrete_fields if (f.db_index or f.unique) and f.name not in kept]


for _model in AUDITED_MODELS:
    register(
        _model,
        no_db_index=_unread_indexes(_model),
        manager_name=AUDIT_MANAGER,
        records_class=AuditRecords,
        bases=[AppendOnlyHistoricalModel],
        history_manager=AppendOnlyHistoryManager,
        historical_queryset=AppendOnlyHistoricalQuerySet,
        user_related_name="+",
    )

# Historical tables that the PostgreSQL append-only trigger protects (see migration 0003).
AUDIT_TABLES = tuple(_model.audit.model._meta.db_table for _model in AUDITED_MODELS)
