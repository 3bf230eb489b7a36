from django.urls import path

from . import views
from .sms_callback import sms_status_callback

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/lue/", views.notification_read, name="read"),
    path("toutes-lues/", views.notification_read_all, name="read-all"),
    path("preferences/", views.delivery_preference, name="preference"),
    # The SMS provider's delivery reports (a shared secret, no session).
    path("sms/statut/", sms_status_callback, name="sms-status"),
]
