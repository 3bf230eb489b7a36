from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/lue/", views.notification_read, name="read"),
    path("toutes-lues/", views.notification_read_all, name="read-all"),
    path("preferences/", views.delivery_preference, name="preference"),
]
