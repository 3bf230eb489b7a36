"""URLs of the referents' and officers' workspace: the caseload, a pathway and its actions, the tasks."""

from django.urls import path

from notifications.partners.views import partner_request_create

from . import appointments, breaches, engagement, identity, tasks, workspace
from .form_tokens import one_time_form

app_name = "workspace"
urlpatterns = [
    path("", workspace.home, name="home"),
    path("parcours/<int:pk>/", workspace.pathway_detail, name="pathway"),
    path("parcours/<int:pk>/transition/<str:name>/", workspace.pathway_transition_view, name="transition"),
    path("parcours/<int:pk>/contact/", workspace.contact_create, name="contact"),
    # The partner request's page lives with partner requests; on the pathway page it gets the
    # pages' double-submit guard here (notifications do not import workflows).
    path(
        "parcours/<int:pk>/demande-partenaire/",
        one_time_form(partner_request_create),
        name="partner-request",
    ),
    path("parcours/<int:pk>/rendez-vous/", appointments.appointment_create, name="appointment"),
    path("parcours/<int:pk>/coordonnees/", appointments.person_contact_edit, name="person-contact"),
    path("parcours/<int:pk>/plan-d-action/", engagement.activity_add, name="engagement-activity"),
    path("parcours/<int:pk>/duree-d-activite/", engagement.duration_change, name="engagement-duration"),
    path("parcours/<int:pk>/heures-d-activite/", engagement.week_record, name="engagement-week"),
    path("taches/", tasks.task_list, name="tasks"),
    path("taches/<int:task_pk>/", tasks.task_detail, name="task"),
    path("taches/<int:task_pk>/prendre/", tasks.task_claim, name="task-claim"),
    path("taches/<int:task_pk>/remettre/", tasks.task_release, name="task-release"),
    path("taches/<int:task_pk>/confier/", tasks.task_assign, name="task-assign"),
    path("taches/<int:task_pk>/<str:name>/", tasks.task_execute, name="task-execute"),
    path("a-verifier/", identity.identity_review_list, name="identity-reviews"),
    path("a-verifier/<int:pk>/decision/", identity.identity_review_decide_view, name="identity-review-decide"),
    path("aide/", workspace.help_page, name="help"),
    path("parcours/<int:pk>/manquement/", breaches.breach_create, name="breach-create"),
    path("manquements/", breaches.breach_list, name="breaches"),
    path("manquements/<int:pk>/", breaches.breach_detail, name="breach"),
    path("manquements/<int:pk>/courrier/", breaches.breach_letter, name="breach-letter"),
    path("manquements/<int:pk>/<str:step>/", breaches.breach_step, name="breach-step"),
    path("manquements/exports/", breaches.payer_exports, name="payer-exports"),
    path("manquements/exports/<int:export_pk>/fichier.csv", breaches.payer_export_file, name="payer-export-file"),
]
