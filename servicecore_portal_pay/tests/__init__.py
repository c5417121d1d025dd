from . import test_allocation_rules
from . import test_backend_access
from . import test_backend_anomalies
from . import test_backend_apply_wizard
from . import test_backend_credits
from . import test_backend_http
from . import test_backend_receipt
from . import test_backend_refund
