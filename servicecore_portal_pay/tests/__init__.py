from . import test_allocation_rules
from . import test_aging
from . import test_portal_beyond
