"""Forms of the diagnostic page: every posted value is parsed by a field (a NUL byte, an
impossible date or a non-numeric organisation is a French field error, never a 500). The
rules about who may write what stay in `casework.services.secrecy`."""

from __future__ import annotations

from django import forms

from casework.text_limits import DIAGNOSTIC_SECTION_MAX_LENGTH, JUSTIFICATION_MAX_LENGTH, NOTE_MAX_LENGTH


class BreakGlassForm(forms.Form):
    justification = forms.CharField(label="Justification", required=False, max_length=JUSTIFICATION_MAX_LENGTH)


class DiagnosticSectionForm(forms.Form):
    kind = forms.CharField(label="Rubrique", required=False, max_length=40)
    content = forms.CharField(label="Contenu", required=False, max_length=DIAGNOSTIC_SECTION_MAX_LENGTH)


class PrivateNoteForm(forms.Form):
    content = forms.CharField(label="Note", required=False, max_length=NOTE_MAX_LENGTH)
