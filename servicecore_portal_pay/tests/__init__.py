from . import test_allocation_rules
from . import test_backend_credits
from . import test_backend_refund
