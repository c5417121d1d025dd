from . import test_aging
from . import test_allocation
from . import test_allocation_rules
from . import test_portal_beyond
from . import test_portal_controller
from . import test_res_partner
