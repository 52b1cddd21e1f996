from django.contrib import admin


class ReadOnly:
    """Staff look things up in the admin; every change goes through the services and the API,
    so the rules and the history are never bypassed."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LookUpAdmin(ReadOnly, admin.ModelAdmin):
    pass


class LookUpInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
