"""URLs of the team-lead dashboard, under /tableau-de-bord/."""

from django.urls import path

from . import balancing, dashboard, dashboard_csv

app_name = "dashboard"
urlpatterns = [
    path("", dashboard.board_page, name="board"),
    path("parcours/", dashboard.pathways_page, name="pathways"),
    path("indicateurs/", dashboard.indicators_page, name="indicators"),
    path("rapport/", dashboard.report_page, name="report"),
    path("aide/", dashboard.help_page, name="help"),
    path("export/<slug:table>.csv", dashboard_csv.export_csv, name="export"),
    path("equilibrage/", balancing.balancing_page, name="balancing"),
    path("equilibrage/reaffecter/", balancing.reassign, name="reassign"),
    path("equilibrage/delegation/", balancing.delegation_create_view, name="delegation"),
]
