from django.urls import path

from . import views, views_identity

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("parcours/<int:pk>/", views.pathway_detail, name="pathway"),
    path("parcours/<int:pk>/transition/<str:name>/", views.pathway_transition_view, name="transition"),
    path("parcours/<int:pk>/contact/", views.contact_create, name="contact"),
    path("taches/", views.task_list, name="tasks"),
    path("taches/<int:task_pk>/", views.task_detail, name="task"),
    path("taches/<int:task_pk>/prendre/", views.task_claim, name="task-claim"),
    path("taches/<int:task_pk>/remettre/", views.task_release, name="task-release"),
    path("taches/<int:task_pk>/confier/", views.task_assign, name="task-assign"),
    path("taches/<int:task_pk>/<str:name>/", views.task_execute, name="task-execute"),
    path("a-verifier/", views_identity.identity_review_list, name="identity-reviews"),
    path("a-verifier/<int:pk>/decision/", views_identity.identity_review_decide_view, name="identity-review-decide"),
    path("aide/", views.help_page, name="help"),
]
