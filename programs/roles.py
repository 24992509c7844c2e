"""What each role may do with programs, components, legal documents and capital plans (collected by
localities.roles)."""

from localities.roles import declared_permissions

ROLE_PERMISSIONS = declared_permissions(
    data=["programs.capitalplanentry"],
    reference=["programs.legaldocument", "programs.program", "programs.component"],
)
