"""Third-party messages our catalogue translates (or translates better than the library does).

`manage.py makemessages` keeps in locale/vi/LC_MESSAGES/django.po only the msgids our own source holds, and our
LOCALE_PATHS catalogue takes precedence over Django's and the libraries' own: so a third-party message shown in
the admin is listed here, exactly as the library writes it (same context, same plural), and translated in our
.po. Nothing imports this module; its strings are marked, never evaluated (the plural ones are lazy).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_ADMIN = [
    # django/contrib/admin/locale/vi: "Thêm vào", "Bản ghi nhớ", "Bởi ..." are not what an official says.
    gettext_noop("Add"),  # admin/app_list.html, change_list.html ...
    gettext_noop("Add %(name)s"),  # admin/change_list_object_tools.html
    gettext_noop("History"),  # admin/change_form_object_tools.html
    gettext_noop(" By %(filter_title)s "),  # admin/filter.html
    gettext_noop("Save"),  # admin/submit_line.html ("Lưu lại")
    # missing from Django's Vietnamese catalogue (Django 5.2)
    ngettext_lazy("Please correct the error below.", "Please correct the errors below."),  # admin/change_form.html
    gettext_noop("Error:"),  # admin/change_form.html (title), auth/user/change_password.html
    gettext_noop("Select this object for an action - {}"),  # admin/options.py
    gettext_noop("Select all objects on this page for an action"),  # admin/templatetags/admin_list.py
    gettext_noop("Breadcrumbs"),  # admin/base.html
    gettext_noop("Skip to main content"),  # admin/base.html
    gettext_noop("Model name"),  # admin/app_list.html
    gettext_noop("Add link"),  # admin/app_list.html
    gettext_noop("Change or view list link"),  # admin/app_list.html
    gettext_noop("Show counts"),  # admin/change_list.html
    gettext_noop("Hide counts"),  # admin/change_list.html
    gettext_noop("Toggle theme (current theme: auto)"),  # admin/color_theme_toggle.html
    gettext_noop("Toggle theme (current theme: light)"),  # admin/color_theme_toggle.html
    gettext_noop("Toggle theme (current theme: dark)"),  # admin/color_theme_toggle.html
    gettext_noop("Added:"),  # admin/index.html (recent actions)
    gettext_noop("Changed:"),  # admin/index.html
    gettext_noop("Deleted:"),  # admin/index.html
    gettext_noop("Forgotten your login credentials?"),  # admin/login.html
    gettext_noop("Toggle navigation"),  # admin/nav_sidebar.html
    gettext_noop("Sidebar"),  # admin/nav_sidebar.html
    gettext_noop("Filter navigation items"),  # admin/nav_sidebar.html
    ngettext_lazy("entry", "entries"),  # admin/object_history.html, simple_history/object_history_list.html
    gettext_noop("View selected %(model)s"),  # admin/widgets/related_widget_wrapper.html
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),  # auth/user/add_form.html
    gettext_noop("Set password"),  # admin/auth/user/change_password.html, contrib/auth/forms.py
    gettext_noop("This action will <strong>enable</strong> password-based authentication for this user."),
    gettext_noop("Disable password-based authentication"),  # admin/auth/user/change_password.html
    gettext_noop("Enable password-based authentication"),  # admin/auth/user/change_password.html
]

DJANGO_AUTH = [  # django/contrib/auth (admin.py, forms.py, password_validation.py, validators.py)
    gettext_noop("Conflicting form data submitted. Please try again."),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("Set password: %s"),
    gettext_noop("Reset password"),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still be "
        "able to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
    gettext_noop("Password-based authentication"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
    ),
    gettext_noop(
        "Enter a valid username. This value may contain only unaccented lowercase a-z and uppercase A-Z letters, "
        "numbers, and @/./+/-/_ characters."
    ),
]

DJANGO_CORE = [  # django/conf/locale: forms, formsets, validators, paginator, timesince
    gettext_noop(
        "ManagementForm data is missing or has been tampered with. Missing fields: %(field_names)s. You may need "
        "to file a bug report if the issue persists."
    ),  # forms/formsets.py
    ngettext_lazy("Please submit at most %(num)d form.", "Please submit at most %(num)d forms."),
    ngettext_lazy("Please submit at least %(num)d form.", "Please submit at least %(num)d forms."),
    gettext_noop("The inline value did not match the parent instance."),  # forms/models.py
    gettext_noop("“%(pk)s” is not a valid value."),  # forms/models.py
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),  # db/models/fields/related.py
    gettext_noop("Constraint “%(name)s” is violated."),  # db/models/constraints.py
    gettext_noop("Null characters are not allowed."),  # core/validators.py
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),  # core/validators.py
    gettext_noop("Enter a complete value."),  # forms/fields.py
    gettext_noop("That page number is not an integer"),  # core/paginator.py
    gettext_noop("That page number is less than 1"),  # core/paginator.py
    gettext_noop("That page contains no results"),  # core/paginator.py
    ngettext_lazy("%(num)d year", "%(num)d years"),  # utils/timesince.py
    ngettext_lazy("%(num)d month", "%(num)d months"),
    ngettext_lazy("%(num)d week", "%(num)d weeks"),
    ngettext_lazy("%(num)d day", "%(num)d days"),
    ngettext_lazy("%(num)d hour", "%(num)d hours"),
    ngettext_lazy("%(num)d minute", "%(num)d minutes"),
    gettext_noop("Messages"),  # contrib/messages/apps.py
    gettext_noop("Sessions"),  # contrib/sessions/apps.py
]

SIMPLE_HISTORY = [  # django-simple-history 3.x has no Vietnamese catalogue
    gettext_noop("View history: %s"),  # admin.py
    gettext_noop("Change history: %s"),  # admin.py
    gettext_noop('The %(name)s "%(obj)s" was changed successfully.'),  # admin.py
    gettext_noop("You may edit it again below"),  # admin.py
    gettext_noop("View %s"),  # admin.py
    gettext_noop("Revert %s"),  # admin.py
    gettext_noop("Created"),  # models.py (history type)
    gettext_noop("Changed"),  # models.py
    gettext_noop("Deleted"),  # models.py
    gettext_noop("Deleted %(type_name)s"),  # models.py
    gettext_noop("Choose a date from the list below to revert to a previous version of this object."),
    gettext_noop("This object doesn't have a change history."),  # templates/simple_history/object_history.html
    gettext_noop("View %(verbose_name)s"),  # templates/simple_history/object_history_form.html
    gettext_noop("Revert %(verbose_name)s"),  # templates/simple_history/object_history_form.html
    gettext_noop("Press the 'Revert' button below to revert to this version of the object."),
    gettext_noop("Press the 'Change History' button below to edit the history."),
    gettext_noop("Object"),  # templates/simple_history/object_history_list.html
    gettext_noop("Date/time"),  # templates/simple_history/object_history_list.html
    gettext_noop("Comment"),  # templates/simple_history/object_history_list.html (the kind of change)
    gettext_noop("Changed by"),  # templates/simple_history/object_history_list.html
    gettext_noop("Change reason"),  # templates/simple_history/object_history_list.html
    gettext_noop("Changes"),  # templates/simple_history/object_history_list.html
    gettext_noop("None"),  # templates/simple_history/object_history_list.html
    gettext_noop("Revert"),  # templates/simple_history/submit_line.html
    gettext_noop("Change History"),  # templates/simple_history/submit_line.html
    gettext_noop("Close"),  # templates/simple_history/submit_line.html
]

AXES = [  # django-axes has no Vietnamese catalogue (models.py, admin.py, conf.py)
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Locked Out"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop("Account locked: too many login attempts. Contact an admin to unlock your account."),
]

DJANGO_FILTER = [  # django-filter has no Vietnamese catalogue (filters.py, fields.py, widgets.py)
    gettext_noop("Today"),
    gettext_noop("Yesterday"),
    gettext_noop("Past 7 days"),
    gettext_noop("This month"),
    gettext_noop("This year"),
    gettext_noop("Multiple values may be separated by commas."),
    gettext_noop("%s (descending)"),
    gettext_noop("Ordering"),
    gettext_noop("Select a lookup."),
    gettext_noop("Range query expects two values."),
    gettext_noop("Unknown"),
]
