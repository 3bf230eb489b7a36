from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("jetons-api/", views.api_tokens, name="api-tokens"),
    path("jetons-api/<int:pk>/revoquer/", views.api_token_revoke_view, name="api-token-revoke"),
]
