"""URLs of the person's own space (no account: the signed link in the path is the credential;
`config.logging_filters` masks it in the logs)."""

from django.urls import path

from . import space

app_name = "person-space"
urlpatterns = [
    path("nouveau-lien/", space.space_link_request_view, name="link-request"),
    path("e/<str:token>/", space.space_home, name="home"),
    path("e/<str:token>/contrat/", space.space_contract, name="contract"),
]
