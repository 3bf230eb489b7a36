"""`manage.py revoke_api_token USER (--label L | --all)`: revoke a professional's token(s) at once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from accounts.services import api_token_revoke


class Command(BaseCommand):
    help = "Révoque les jetons d'API d'un compte (par libellé, ou tous)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--label", help="libellé du jeton à révoquer")
        which.add_argument("--all", action="store_true", help="tous les jetons du compte")

    def handle(self, *args, username, label, all, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Aucun compte « {username} ».")
        count = api_token_revoke(user, label=None if all else label)
        self.stdout.write(
            ngettext("%(n)d jeton révoqué pour %(u)s.", "%(n)d jetons révoqués pour %(u)s.", count)
            % {"n": count, "u": username}
        )
