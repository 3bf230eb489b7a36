from django.urls import path

from . import views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("parcours/<int:pk>/", views.pathway_detail, name="pathway"),
    path("parcours/<int:pk>/transition/<str:name>/", views.pathway_transition_view, name="transition"),
    path("parcours/<int:pk>/contact/", views.contact_create, name="contact"),
]
