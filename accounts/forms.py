from django import forms
from django.conf import settings


class ApiTokenForm(forms.Form):
    label = forms.CharField(
        label="Libellé",
        max_length=100,
        help_text="Le logiciel ou l'usage du jeton, pour le reconnaître dans la liste.",
        error_messages={"required": "Donnez un libellé au jeton."},
    )
    days = forms.IntegerField(
        label="Valable (jours)",
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
        error_messages={
            "required": "Indiquez une durée de validité en jours.",
            "invalid": "Un nombre entier de jours.",
            "min_value": "Au moins 1 jour.",
            "max_value": f"Au plus {settings.API_TOKEN_MAX_DAYS} jours.",
        },
    )
