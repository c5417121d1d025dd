from . import test_allocation_rules
from . import test_query_counts
