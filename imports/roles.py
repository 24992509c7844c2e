"""What each role may do with spreadsheet imports (collected by localities.roles).

An official's own uploads are theirs whatever their role (`imports.models.jobs_reached`); what they may
import follows from what they may add. National administrators also see and remove every official's
imports, to help them: the permission "view spreadsheet import" says so (`imports.models.sees_every_import`).
"""

from localities.choices import RoleChoices

ROLE_PERMISSIONS = {RoleChoices.NATIONAL_ADMIN: ["imports.view_importjob"]}
