"""URLs of the offers catalogue and of prescriptions, under /offres/ (the provider's signed
answer link is declared in `config.urls`, beside the partner's)."""

from django.urls import path

from . import offers, prescriptions

app_name = "offers"
urlpatterns = [
    path("", offers.offer_list, name="list"),
    path("nouvelle/", offers.offer_create, name="create"),
    path("<int:pk>/", offers.offer_detail, name="detail"),
    path("<int:pk>/modifier/", offers.offer_edit, name="edit"),
    path("<int:pk>/sessions/", offers.session_create, name="session-create"),
    path("<int:pk>/prescrire/", prescriptions.prescription_create, name="prescribe"),
    path("prescriptions/recues/", prescriptions.prescriptions_received_page, name="received"),
    path("prescriptions/<int:pk>/reponse/", prescriptions.prescription_answer_view, name="answer"),
    path("prescriptions/<int:pk>/suite/", prescriptions.prescription_outcome_view, name="outcome"),
]
