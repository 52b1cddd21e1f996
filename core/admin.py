"""Users in the admin are deactivated, never deleted: the history rows name who did what, and
they cannot be rewritten (the app's database role may not update them), so a deletion would
fail half-way. `/users/` deactivates."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin


class KeptUserAdmin(UserAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, KeptUserAdmin)
