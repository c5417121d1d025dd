from . import test_allocation_rules
