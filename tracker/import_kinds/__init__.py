"""The import kinds of this app's data (and of villages, which a works file names): what a file holds, how
its columns are read and which services write its rows. The engine (the imports app) collects them from
`IMPORT_KINDS`, in this order."""

from .capital import AllocationImport, CapitalPlanImport, DisbursementImport
from .households import HouseholdImport
from .poverty import PovertyStatusImport
from .progress import ProgressImport
from .supports import SupportImport
from .villages import VillageImport
from .works import WorkImport

IMPORT_KINDS = {
    "works": WorkImport,
    "villages": VillageImport,
    "capital-plans": CapitalPlanImport,
    "allocations": AllocationImport,
    "disbursements": DisbursementImport,
    "progress": ProgressImport,
    "households": HouseholdImport,
    "poverty-statuses": PovertyStatusImport,
    "supports": SupportImport,
}
