"""`manage.py issue_api_token USER --label L --days N`: a token for a professional, printed once.

For an operator setting up a partner's software with the professional present; the key is
printed on standard output and never stored (only its digest is). The professional's own
page (« Mes jetons d'API ») does the same without an operator.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.services import api_token_issue


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un professionnel (affiché une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--label", required=True, help="libellé (le logiciel qui utilise le jeton)")
        parser.add_argument("--days", type=int, default=settings.API_TOKEN_DEFAULT_DAYS, help="durée de validité")

    def handle(self, *args, username, label, days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Aucun compte « {username} ».")
        try:
            token, key = api_token_issue(user, label=label, days=days, now=timezone.now())
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stderr.write(
            f"Jeton « {label} » pour {username}, valable jusqu'au {timezone.localtime(token.expiry):%d/%m/%Y %H:%M}. "
            "Il ne sera plus jamais affiché :"
        )
        self.stdout.write(key)
