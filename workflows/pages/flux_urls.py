"""URLs of the payers' flux imports (upload, reports, progress, rejected lines as CSV)."""

from django.urls import path

from . import flux

app_name = "flux"
urlpatterns = [
    path("", flux.flux_import_list, name="list"),
    path("envoyer/", flux.flux_import_upload, name="upload"),
    path("<int:pk>/", flux.flux_import_detail, name="detail"),
    path("<int:pk>/progression/", flux.flux_import_progress, name="progress"),
    path("<int:pk>/lignes-rejetees.csv", flux.flux_import_rejected_csv, name="rejected-csv"),
]
