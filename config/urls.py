from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from notifications.api import AlertViewSet
from notifications.partners.api import PartnerRequestViewSet
from notifications.partners.views import partner_ack
from workflows.api.activity import ActivityWeekViewSet
from workflows.api.indicators import IndicatorsView
from workflows.api.pathways import BeneficiaryViewSet, PathwayViewSet
from workflows.pages.prescriptions import prescription_answer_link

router = DefaultRouter()
router.register("beneficiaries", BeneficiaryViewSet, basename="beneficiary")
router.register("pathways", PathwayViewSet, basename="pathway")
router.register("alerts", AlertViewSet, basename="alert")
router.register("partner-requests", PartnerRequestViewSet, basename="partner-request")
router.register("activity-weeks", ActivityWeekViewSet, basename="activity-week")

admin.site.site_header = "Fil rouge — administration"
admin.site.site_title = "Fil rouge"
admin.site.index_title = "Configuration"

urlpatterns = [
    path("", include("workflows.pages.urls")),
    path("", include("workflows.pages.security_urls")),
    path("notifications/", include("notifications.urls")),
    path("compte/", include("accounts.urls")),
    path("tableau-de-bord/", include("workflows.pages.dashboard_urls")),
    path("imports-flux/", include("workflows.pages.flux_urls")),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("partenaire/accuse/<str:token>/", partner_ack, name="partner-ack"),
    path("offres/", include("workflows.pages.offer_urls")),
    path("prestataire/prescription/<str:token>/", prescription_answer_link, name="prescription-answer"),
    path("mon-espace/", include("workflows.pages.space_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/indicators/", IndicatorsView.as_view(), name="indicators"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

handler400 = "config.errors.bad_request"
handler404 = "config.errors.page_not_found"
