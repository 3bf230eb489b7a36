"""Pages of professional secrecy, audit and personal data (included once from config/urls.py)."""

from django.urls import path

from . import views_audit, views_secrecy

app_name = "security"
urlpatterns = [
    path("parcours/<int:pk>/diagnostic/", views_secrecy.diagnostic_page, name="diagnostic"),
    path("parcours/<int:pk>/diagnostic/urgence/", views_secrecy.diagnostic_break_glass_view, name="break-glass"),
    path("parcours/<int:pk>/diagnostic/rubrique/", views_secrecy.diagnostic_section_edit, name="diagnostic-edit"),
    path("parcours/<int:pk>/consentements/", views_secrecy.consent_create, name="consent-create"),
    path(
        "parcours/<int:pk>/consentements/<int:consent_id>/retrait/",
        views_secrecy.consent_withdraw,
        name="consent-withdraw",
    ),
    path("parcours/<int:pk>/notes/", views_secrecy.private_note_create, name="note-create"),
    path("parcours/<int:pk>/audit/", views_audit.pathway_audit, name="audit"),
    path("personnes/<int:beneficiary_id>/donnees/", views_audit.subject_access_page, name="subject-access"),
    path("personnes/<int:beneficiary_id>/donnees.json", views_audit.subject_access_json, name="subject-access-json"),
]
