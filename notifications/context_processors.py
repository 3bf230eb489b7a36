from casework.permissions import professional_of

from .models import Notification


def unread_notifications(request):
    """The unread count in the header; one cheap indexed count per page."""
    pro = professional_of(getattr(request, "user", None))
    if pro is None:
        return {}
    return {"unread_notifications": Notification.objects.unread_for(pro).count()}
