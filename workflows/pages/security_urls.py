"""Pages of professional secrecy, audit and personal data (included once from config/urls.py)."""

from django.urls import path

from . import audit, secrecy

app_name = "security"
urlpatterns = [
    path("parcours/<int:pk>/diagnostic/", secrecy.diagnostic_page, name="diagnostic"),
    path("parcours/<int:pk>/diagnostic/urgence/", secrecy.diagnostic_break_glass_view, name="break-glass"),
    path("parcours/<int:pk>/diagnostic/rubrique/", secrecy.diagnostic_section_edit, name="diagnostic-edit"),
    path("parcours/<int:pk>/consentements/", secrecy.consent_create, name="consent-create"),
    path(
        "parcours/<int:pk>/consentements/<int:consent_id>/retrait/",
        secrecy.consent_withdraw,
        name="consent-withdraw",
    ),
    path("parcours/<int:pk>/notes/", secrecy.private_note_create, name="note-create"),
    path("parcours/<int:pk>/audit/", audit.pathway_audit, name="audit"),
    path("personnes/<int:beneficiary_id>/donnees/", audit.subject_access_page, name="subject-access"),
    path("personnes/<int:beneficiary_id>/donnees.json", audit.subject_access_json, name="subject-access-json"),
]
